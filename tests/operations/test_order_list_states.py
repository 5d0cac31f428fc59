"""The orders list narrows by state in SQL before its limit, and the SQL agrees with the state
computed from the visits (courses.order_state) for every state an order can be in."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from scheduler.operations.courses import OPEN_STATES, ORDER_STATES, list_orders, order_row
from tests.factories import make_nurse, make_order, make_product, make_visit

MONDAY = datetime(2026, 11, 23, 15, tzinfo=timezone.utc)


def _course(session, statuses: list[str | None], *, start: date, days: int = 2, stored: str = "active"):
    """An order of `days` days whose day n has a visit of statuses[n-1] (None: no visit; a
    status ending in '+cancelled' adds a cancelled visit of that day first)."""
    order = make_order(session, days=days, earliest_start=start, status=stored)
    for number, status in enumerate(statuses, start=1):
        if status is None:
            continue
        nurse = make_nurse(session, first_name=f"N{order.id}{number}")
        when = MONDAY + timedelta(days=(start - date(2026, 11, 23)).days + number - 1)
        if status.endswith("+cancelled"):
            make_visit(session, order=order, nurse=nurse, starts_at=when - timedelta(hours=6), day_number=number,
                       status="cancelled")
            status = status.removesuffix("+cancelled")
        if status != "none":
            make_visit(session, order=order, nurse=nurse, starts_at=when, day_number=number, status=status)
    return order


@pytest.fixture
def orders_in_every_state(session):
    make_product(session)
    start = date(2026, 11, 23)
    made = [
        _course(session, [None, None], start=start),                                    # to book
        _course(session, ["none+cancelled", None], start=start + timedelta(days=3)),    # to book (a day cancelled)
        _course(session, ["booked", None], start=start + timedelta(days=6)),            # partly booked
        _course(session, ["booked", "booked"], start=start + timedelta(days=9)),        # booked
        _course(session, ["booked+cancelled", "booked"], start=start + timedelta(days=12)),  # booked again
        _course(session, ["completed", "booked"], start=start + timedelta(days=15)),    # in progress
        _course(session, ["completed", None], start=start + timedelta(days=18)),        # in progress, day 2 to book
        _course(session, ["completed", "completed"], start=start + timedelta(days=21)),  # completed, stored active
        _course(session, ["completed", "completed"], start=start + timedelta(days=24), stored="completed"),
        _course(session, ["booked", None], start=start + timedelta(days=27), stored="cancelled"),  # discontinued
        _course(session, ["in_progress", "booked"], start=start + timedelta(days=30)),  # in progress (under way)
        # Shortened to one day after its day 2 was done: the day past the course counts for nothing.
        _course(session, ["booked", "completed"], start=start + timedelta(days=33), days=1),  # booked
        _course(session, [None, "completed"], start=start + timedelta(days=36), days=1),  # to book
    ]
    session.flush()
    return {o.id: order_row(o).state for o in made}


def test_every_state_filter_lists_exactly_the_orders_in_that_state(session, orders_in_every_state):
    expected = orders_in_every_state
    assert set(expected.values()) == set(ORDER_STATES)  # the fixture covers every state
    for state in ORDER_STATES:
        listed = {row.order.id: row.state for row in list_orders(session, states=(state,))}
        assert listed == {i: s for i, s in expected.items() if s == state}, state
    for states in (OPEN_STATES, ("to_book", "partly_booked"), ("completed", "discontinued"), ("booked", "in_progress"),
                   tuple(ORDER_STATES)):
        listed = {row.order.id for row in list_orders(session, states=states)}
        assert listed == {i for i, s in expected.items() if s in states}, states


def test_the_limit_counts_orders_of_the_state_asked_for_not_the_newest_of_any(session, orders_in_every_state):
    """Three orders to book or partly booked, seven newer ones in other states, a limit of 3:
    before, the three newest were read and none of them was to book."""
    wanted = {i for i, s in orders_in_every_state.items() if s in ("to_book", "partly_booked")}
    listed = list_orders(session, states=("to_book", "partly_booked"), limit=len(wanted))
    assert {row.order.id for row in listed} == wanted
