"""What the coordinator must act on, for the dashboard: course days still to book
(including cancelled days of active orders), past visits nobody has documented, and
booked visits whose plan no longer holds (re-planned by editing the order).

Each query reads only the rows that need action, whatever the years behind them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from scheduler.models import TherapyOrder, Visit
from scheduler.models.visits import ACTIVE_VISIT_STATUSES
from scheduler.operations.access import NURSE_ACCESS_AFTER
from scheduler.operations.courses import OPEN_HORIZON, OrderRow, course_days, order_state

# A visit is documented by its nurse the same day; after this it is flagged.
DOCUMENTATION_GRACE = timedelta(hours=2)


def days_to_book(session: Session, *, today: date) -> list[OrderRow]:
    """Active orders with at least one course day that has no active visit, among those
    recent enough to book (OPEN_HORIZON)."""
    booked_days = (select(func.count(func.distinct(Visit.day_number)))
                   .where(Visit.order_id == TherapyOrder.id, Visit.status.in_(ACTIVE_VISIT_STATUSES))
                   .scalar_subquery())
    orders = session.scalars(
        select(TherapyOrder).options(selectinload(TherapyOrder.visits).selectinload(Visit.nurse),
                                     selectinload(TherapyOrder.patient))
        .where(TherapyOrder.status == "active", TherapyOrder.earliest_start >= today - OPEN_HORIZON,
               booked_days < TherapyOrder.days)
        .order_by(TherapyOrder.earliest_start, TherapyOrder.id)
    )
    rows = []
    for order in orders:
        days = course_days(order)
        rows.append(OrderRow(order, order_state(order, days), days))
    return rows


def undocumented_visits(session: Session, *, now: datetime) -> list[Visit]:
    """Visits that should be over but were never started or never closed by their nurse,
    while she can still document them (her access ends NURSE_ACCESS_AFTER the visit)."""
    return list(session.scalars(
        select(Visit).options(selectinload(Visit.patient), selectinload(Visit.nurse))
        .where(Visit.status.in_(("booked", "in_progress")), Visit.ends_at < now - DOCUMENTATION_GRACE,
               Visit.ends_at > now - NURSE_ACCESS_AFTER)
        .order_by(Visit.ends_at)
    ))
