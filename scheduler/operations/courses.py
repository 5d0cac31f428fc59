"""The life of an order after it is saved: the state of each course day and of the order,
the list of orders, editing an order (re-plan, keeping the visits that still hold) and
discontinuing it (its future visits and their reminders cancelled).

An order is stored `active`, `completed` or `cancelled` (a discontinued order); what a
coordinator needs to know -- to book, partly booked, booked, in progress -- follows from
its visits and is computed here, never stored, so it cannot drift from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from scheduler.clinical import plan_to_dict
from scheduler.models import Patient, Product, TherapyOrder, Visit
from scheduler.models.visits import ACTIVE_VISIT_STATUSES
from scheduler.operations import DomainError, NotFound
from scheduler.operations.access import STAFF, record_change, require_role
from scheduler.operations.orders import REASON_LABELS, OrderInput, check_order_input
from scheduler.operations.plans import plan_for_order
from scheduler.operations.visits import (SchedulingConflict, _check, _flush_or_conflict, _lock_for_booking, _lock_visits,
                                         _series_from, get_order, update_day_travel, visit_changed)

ORDER_STATES = {
    "to_book": "To book",
    "partly_booked": "Partly booked",
    "booked": "Booked",
    "in_progress": "In progress",
    "completed": "Completed",
    "discontinued": "Discontinued",
}
OPEN_STATES = ("to_book", "partly_booked", "booked", "in_progress")
DAY_STATES = {"booked": "Booked", "cancelled": "Cancelled", "unbooked": "Not booked"}


@dataclass(frozen=True)
class CourseDay:
    day_number: int
    state: str  # booked (an active visit: booked, in progress or done), cancelled, unbooked
    visit: Visit | None  # the active visit, else the day's last cancelled one
    cancelled: tuple[Visit, ...] = field(default=())  # earlier cancelled visits of the day

    @property
    def can_book(self) -> bool:
        return self.state != "booked"


def course_days(order: TherapyOrder, visits=None) -> list[CourseDay]:
    visits = sorted(order.visits if visits is None else visits, key=lambda v: (v.day_number, v.starts_at))
    days = []
    for number in range(1, order.days + 1):
        mine = [v for v in visits if v.day_number == number]
        active = [v for v in mine if v.status in ACTIVE_VISIT_STATUSES]
        cancelled = tuple(v for v in mine if v.status not in ACTIVE_VISIT_STATUSES)
        if active:
            days.append(CourseDay(number, "booked", active[-1], cancelled))
        elif cancelled:
            days.append(CourseDay(number, "cancelled", cancelled[-1], cancelled[:-1]))
        else:
            days.append(CourseDay(number, "unbooked", None))
    return days


def order_state(order: TherapyOrder, days: list[CourseDay] | None = None) -> str:
    if order.status == "cancelled":
        return "discontinued"
    if order.status == "completed":
        return "completed"
    days = course_days(order) if days is None else days
    statuses = [d.visit.status for d in days if d.state == "booked"]
    if statuses and len(statuses) == len(days) and all(s == "completed" for s in statuses):
        return "completed"
    if any(s in ("in_progress", "completed") for s in statuses):
        return "in_progress"
    if not statuses:
        return "to_book"
    return "booked" if len(statuses) == len(days) else "partly_booked"


@dataclass(frozen=True)
class OrderRow:
    order: TherapyOrder
    state: str
    days: list[CourseDay]

    @property
    def open_days(self) -> list[int]:
        return [d.day_number for d in self.days if d.can_book]

    @property
    def next_visit(self) -> Visit | None:
        upcoming = [d.visit for d in self.days if d.state == "booked" and d.visit.status == "booked"]
        return min(upcoming, key=lambda v: v.starts_at, default=None)


# Open orders are those starting from this long ago: the widest window (14 days) and course
# (10 days) with a margin. An older order still stored active is history, under "All".
OPEN_HORIZON = timedelta(days=45)


def _active_state_condition(states):
    """SQL for "a stored-active order whose computed state (order_state) is one of `states`",
    so the list's limit counts orders of those states: applied after reading, it let "To book"
    come back empty at a large agency whose 200 newest orders were all booked."""
    def visits_where(*conditions):
        return select(Visit.id).where(Visit.order_id == TherapyOrder.id, Visit.day_number <= TherapyOrder.days,
                                      *conditions).exists()
    active = Visit.status.in_(ACTIVE_VISIT_STATUSES)
    days_held = (select(func.count(func.distinct(Visit.day_number)))
                 .where(Visit.order_id == TherapyOrder.id, Visit.day_number <= TherapyOrder.days, active)
                 .scalar_subquery())
    started = visits_where(Visit.status.in_(("in_progress", "completed")))
    all_done = and_(days_held >= TherapyOrder.days, ~visits_where(active, Visit.status != "completed"))
    if set(states) >= set(OPEN_STATES):  # the default list: every active order but the finished ones
        return ~all_done
    conditions = {
        "to_book": ~visits_where(active),
        "partly_booked": and_(visits_where(active), days_held < TherapyOrder.days, ~started),
        "booked": and_(days_held >= TherapyOrder.days, ~started),
        "in_progress": and_(started, ~all_done),
        "completed": all_done,
    }
    return or_(*(conditions[s] for s in states if s in conditions))


def list_orders(session: Session, *, states=OPEN_STATES, product_id: str | None = None, patient: str = "",
                patient_id: int | None = None, today: date | None = None, limit: int = 200) -> list[OrderRow]:
    """Orders with their state, newest start first, filtered by state, product and the
    patient's name. Reads at most `limit` orders (the newest) of the states asked for,
    whatever the years behind them; open states only look back OPEN_HORIZON from `today`."""
    query = (select(TherapyOrder).join(Patient, Patient.id == TherapyOrder.patient_id)
             .options(selectinload(TherapyOrder.visits).selectinload(Visit.nurse), selectinload(TherapyOrder.patient))
             .order_by(TherapyOrder.earliest_start.desc(), TherapyOrder.id.desc()))
    # The stored status narrows the query before the state (from the visits) is computed.
    stored = {"discontinued": "cancelled", "completed": "completed"}
    wanted_stored = {stored.get(s, "active") for s in states} | ({"active"} if "completed" in states else set())
    if "active" not in wanted_stored or set(states) >= {"to_book", "partly_booked", "booked", "in_progress", "completed"}:
        query = query.where(TherapyOrder.status.in_(wanted_stored))  # no active order, or all of them: nothing to narrow
    else:
        narrowed = and_(TherapyOrder.status == "active", _active_state_condition(states))
        others = wanted_stored - {"active"}  # discontinued or stored completed, asked for too
        # A plain equality when it is only active orders: the index on (status, earliest_start)
        # then serves the order and the limit (an OR of both led SQLite to scan the patients).
        query = query.where(or_(TherapyOrder.status.in_(others), narrowed) if others else narrowed)
    query = query.limit(limit)
    if today is not None and set(states) <= set(OPEN_STATES):
        query = query.where(TherapyOrder.earliest_start >= today - OPEN_HORIZON)
    if product_id:
        query = query.where(TherapyOrder.product_id == product_id)
    if patient_id is not None:
        query = query.where(TherapyOrder.patient_id == patient_id)
    for word in patient.split()[:4]:
        like = f"%{word.lower()}%"
        query = query.where(or_(Patient.first_name.ilike(like), Patient.last_name.ilike(like)))
    rows = []
    for order in session.scalars(query):
        days = course_days(order)
        state = order_state(order, days)
        if state in states:
            rows.append(OrderRow(order, state, days))
    return rows


def order_row(order: TherapyOrder) -> OrderRow:
    days = course_days(order)
    return OrderRow(order, order_state(order, days), days)


# -- editing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MustMove:
    """A booked day the edited order no longer fits: cancelled, to be booked again."""
    visit: Visit
    reasons: tuple[str, ...]


@dataclass
class EditResult:
    order: TherapyOrder
    kept: list[Visit] = field(default_factory=list)
    must_move: list[MustMove] = field(default_factory=list)
    dropped: list[Visit] = field(default_factory=list)  # days beyond a shortened course


EDITABLE = ("product_id", "indication", "dose_g_per_kg", "days", "weight_policy", "rounding_g", "premedication",
            "first_infusion", "product_switch", "earliest_start", "window_days", "prescriber",
            "prescriber_override_reason", "long_session_reason", "iga_ack_reason", "day2_platelet_threshold",
            "draw_place")


def edit_order(session: Session, order_id: int, values: OrderInput, catalog, *, actor, now: datetime) -> EditResult:
    """Change an order and re-plan it. Each booked (not yet started) visit is checked again
    at its time with the new plan's length: those that still hold are kept and carry the
    new plan; the others are cancelled and named, so their days can be booked again."""
    require_role(actor, STAFF, doing="change therapy orders")
    order = get_order(session, order_id)
    if order.status != "active":
        raise DomainError(f"Order #{order.id} is {_stored_state(order)}; it can no longer be edited.")
    check_order_input(values)
    if session.get(Product, values.product_id) is None:
        raise DomainError(f"Unknown product {values.product_id!r}.")
    booked = [v for v in order.visits if v.status == "booked" and v.starts_at > now]
    if booked:
        _lock_for_booking(session, booked[0].nurse_id, order.patient_id, also_nurse_ids={v.nurse_id for v in booked})
        booked = _lock_visits(session, booked)
    patient = order.patient
    wanted = {name: getattr(values, name) for name in EDITABLE}
    for name in REASON_LABELS:
        wanted[name] = (wanted[name] or "").strip()
    changed = {name: value for name, value in wanted.items() if getattr(order, name) != value}
    for name, value in changed.items():
        setattr(order, name, value)
    if changed.get("iga_ack_reason"):  # who accepted the unknown IgA, as on a new order
        order.iga_ack_by_id, order.iga_ack_at = getattr(actor, "id", None), now
    zone = ZoneInfo(patient.timezone)
    on = booked[0].starts_at.astimezone(zone).date() if booked else order.earliest_start
    plan = plan_for_order(catalog, order, patient, on=on)  # a hard stop refuses the edit
    plan_json = plan_to_dict(plan)
    result = EditResult(order)
    touched = set()
    for visit in booked:
        touched.add((visit.nurse_id, visit.starts_at))
        if visit.day_number > order.days:
            _cancel(visit, f"The order now has {order.days} day(s).", now)
            result.dropped.append(visit)
            continue
        need_min = float(plan.days[visit.day_number - 1].visit_min)
        try:
            [proposal] = _check(session, order, visit.nurse, patient, visit.starts_at, [need_min], exclude_ids=[visit.id],
                                window=visit.day_number == 1, day_numbers=(visit.day_number,))
        except SchedulingConflict as exc:
            _cancel(visit, "The edited order no longer fits this slot.", now)
            result.must_move.append(MustMove(visit, tuple(c.message for c in exc.conflicts)))
            continue
        visit.ends_at, visit.plan, visit.catalog_version = proposal.ends_at, plan_json, catalog.version
        visit.needs_replan_reason = ""  # planned again for the patient as he now is
        visit.version += 1
        result.kept.append(visit)
    _flush_or_conflict(session)
    for nurse_id, on_day in touched:
        update_day_travel(session, _nurse(session, nurse_id), on_day)
    record_change(session, actor, object_type="order", object_id=order.id, patient_id=order.patient_id, now=now,
                  action="update", details={"fields": sorted(changed)})
    for visit in result.kept:
        record_change(session, actor, object_type="visit", object_id=visit.id, patient_id=visit.patient_id, now=now,
                      action="replan", details={"ends_at": visit.ends_at.isoformat()})
        visit_changed(session, visit, "rescheduled", now=now)
    for visit in [m.visit for m in result.must_move] + result.dropped:
        record_change(session, actor, object_type="visit", object_id=visit.id, patient_id=visit.patient_id, now=now,
                      action="cancel")
        visit_changed(session, visit, "cancelled", now=now)
    return result


def _nurse(session: Session, nurse_id: int):
    from scheduler.models import Nurse

    return session.get(Nurse, nurse_id)


def _cancel(visit: Visit, reason: str, now: datetime) -> None:
    visit.status, visit.cancel_reason, visit.cancelled_at = "cancelled", reason, now
    visit.version += 1


def _stored_state(order: TherapyOrder) -> str:
    return "discontinued" if order.status == "cancelled" else order.status


# -- discontinuing ---------------------------------------------------------------------


def discontinue_order(session: Session, order_id: int, reason: str, *, actor, now: datetime) -> list[Visit]:
    """Stop an order: its visits still ahead are cancelled (and with them their reminders);
    visits under way or done stay as they are."""
    require_role(actor, STAFF, doing="discontinue therapy orders")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give a reason for discontinuing the order.")
    order = get_order(session, order_id)
    if order.status != "active":
        raise DomainError(f"Order #{order.id} is already {_stored_state(order)}.")
    future = [v for v in order.visits if v.status == "booked" and v.starts_at > now]
    if future:
        _lock_for_booking(session, future[0].nurse_id, order.patient_id, also_nurse_ids={v.nurse_id for v in future})
        future = _lock_visits(session, future)
    for visit in future:
        _cancel(visit, f"Order discontinued: {reason}", now)
    order.status, order.discontinue_reason, order.discontinued_at = "cancelled", reason, now
    session.flush()
    for nurse_id, on in {(v.nurse_id, v.starts_at) for v in future}:
        update_day_travel(session, _nurse(session, nurse_id), on)
    record_change(session, actor, object_type="order", object_id=order.id, patient_id=order.patient_id, now=now,
                  action="discontinue", details={"cancelled_visits": [v.id for v in future]})
    for visit in future:
        record_change(session, actor, object_type="visit", object_id=visit.id, patient_id=visit.patient_id, now=now,
                      action="cancel")
        visit_changed(session, visit, "cancelled", now=now)
    return future


# -- undoing a cancellation ------------------------------------------------------------


def to_cancel(session: Session, visit: Visit, scope: str) -> list[Visit]:
    """The visits a cancellation with this scope would cancel, for its confirmation."""
    return [v for v in _series_from(session, visit, scope) if v.status == "booked"]


def can_undo_cancel(visit: Visit, *, now: datetime) -> bool:
    """A cancellation can be undone the same local day (the patient's), for a visit still
    ahead of an active order; whether its slot is still free is checked when undoing."""
    if visit.status != "cancelled" or visit.cancelled_at is None or visit.starts_at <= now:
        return False
    zone = ZoneInfo(visit.patient.timezone)
    return visit.cancelled_at.astimezone(zone).date() == now.astimezone(zone).date() and visit.order.status == "active"


def undo_cancel(session: Session, visit_id: int, *, actor, now: datetime) -> Visit:
    """Book a visit cancelled today again at its time, if every booking rule still allows it
    (raises SchedulingConflict naming what took the slot)."""
    require_role(actor, STAFF, doing="undo a cancellation")
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise NotFound(f"No visit #{visit_id}.")
    if not can_undo_cancel(visit, now=now):
        raise DomainError(f"Visit #{visit.id}'s cancellation can no longer be undone (only the same day, for a visit "
                          "still ahead of an active order); book the day again from the suggestions.")
    nurse, patient = _lock_for_booking(session, visit.nurse_id, visit.patient_id)
    visit = session.get(Visit, visit_id, with_for_update={"key_share": True}, populate_existing=True)
    taken = session.scalar(select(Visit.id).where(Visit.order_id == visit.order_id, Visit.day_number == visit.day_number,
                                                  Visit.status.in_(ACTIVE_VISIT_STATUSES), Visit.id != visit.id))
    if visit.status != "cancelled" or taken:
        raise DomainError(f"Day {visit.day_number} has been booked again since; nothing to undo.")
    length_min = (visit.ends_at - visit.starts_at).total_seconds() / 60
    _check(session, visit.order, nurse, patient, visit.starts_at, [length_min], exclude_ids=[visit.id],
           window=visit.day_number == 1, day_numbers=(visit.day_number,))
    visit.status, visit.cancel_reason, visit.cancelled_at = "booked", "", None
    visit.version += 1
    _flush_or_conflict(session)
    update_day_travel(session, nurse, visit.starts_at)
    record_change(session, actor, object_type="visit", object_id=visit.id, patient_id=visit.patient_id, now=now,
                  action="undo_cancel")
    visit_changed(session, visit, "booked", now=now)
    return visit
