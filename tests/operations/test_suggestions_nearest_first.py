"""A large agency's suggestions come from the nurses living nearest the patient first: the
next nurses are searched only when the nearest have too few free slots."""

from datetime import date, datetime, timezone

import pytest

from scheduler.clinical import load_catalog
from scheduler.operations import visits as visit_operations
from scheduler.operations.visits import suggest_for_order
from tests.factories import make_nurse, make_order, make_patient, make_product

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
MONDAY = date(2026, 11, 23)


@pytest.fixture
def two_nurses_one_far(session, monkeypatch):
    """One nurse per round; the patient lives in the Loop, one nurse next door, one 30 km north."""
    monkeypatch.setattr(visit_operations, "NURSES_PER_ROUND", 1)
    far = make_nurse(session, first_name="Far", home_lat=42.15, home_lon=-87.63)
    near = make_nurse(session, first_name="Near", home_lat=41.881, home_lon=-87.631)
    patient = make_patient(session, weight_kg=80, height_cm=175, sex="male", lat=41.88, lon=-87.63)
    order = make_order(session, patient=patient, product=make_product(session), days=2, earliest_start=MONDAY)
    session.commit()
    return near, far, order


def test_the_nearest_nurse_is_searched_first_and_enough_slots_end_the_search(session, two_nurses_one_far):
    near, _, order = two_nurses_one_far
    slots = suggest_for_order(session, order.id, load_catalog(), now=NOW, limit=3)
    assert len(slots) == 3 and {s.nurse_id for s in slots} == {near.id}


def test_the_next_nurses_are_searched_when_the_nearest_have_too_few_slots(session, two_nurses_one_far):
    near, far, order = two_nurses_one_far
    # One free course start per working day in a +-4-day window: the near nurse alone offers
    # fewer than 40.
    slots = suggest_for_order(session, order.id, load_catalog(), now=NOW, limit=40)
    assert {s.nurse_id for s in slots} == {near.id, far.id}


def test_why_not_earlier_is_for_the_nearest_nurses_unless_every_nurse_is_asked(session, two_nurses_one_far):
    """The near nurse is out all Monday, the far one free: asked of the nurses the suggestions
    needed, Monday is "not offered" (and said to be about the nearest only); asked of every
    nurse, the search goes on over Monday alone and finds the far nurse free there."""
    from datetime import timedelta

    from tests.factories import make_visit

    near, far, order = two_nurses_one_far
    order.earliest_start, order.window_days = date(2026, 11, 24), 1  # Monday to Wednesday
    make_visit(session, nurse=near, starts_at=datetime(2026, 11, 23, 13, tzinfo=timezone.utc), duration=timedelta(hours=11))
    session.commit()
    catalog = load_catalog()

    nearest = visit_operations.order_suggestions(session, order.id, catalog, now=NOW, limit=2, explain=True,
                                                 explain_for_every_nurse=False)
    assert {s.nurse_id for s in nearest.slots} == {near.id}
    assert [s.day for s in nearest.skipped] == [date(2026, 11, 23)]
    assert (nearest.nurses_asked, nearest.nurses, nearest.explained_for_some) == (1, 2, True)

    every = visit_operations.order_suggestions(session, order.id, catalog, now=NOW, limit=2, explain=True)
    assert every.slots[0].nurse_id == far.id and every.slots[0].starts_at[0].date() == date(2026, 11, 23)
    assert every.skipped == [] and (every.nurses_asked, every.explained_for_some) == (2, False)
