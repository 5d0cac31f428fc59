"""Booking, rescheduling and cancelling home visits.

Writers are serialised per transaction (BEGIN IMMEDIATE on SQLite, row locks on the nurse
and the patient on PostgreSQL) and the rules are checked inside that transaction, so two
coordinators booking the same slot at once cannot both win. The database's overlap
constraint stands behind this as the last line of defence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from scheduler.booking.availability import Interval, WeeklyBlock
from scheduler.booking.rules import BookedVisit, Conflict, NurseContext, series_conflicts, series_proposals
from scheduler.booking.slots import SkippedDay, Slot, SlotRequest, ranked, skipped_days, suggest_slots
from scheduler.booking.travel import Point, TravelSettings, great_circle_km, route_legs
from scheduler import wording
from scheduler.clinical import BookedPlan, PlanFormatError, plan_to_dict
from scheduler.models import Agency, Nurse, Patient, TherapyOrder, Visit
from scheduler.models.visits import ACTIVE_VISIT_STATUSES, MAX_VISIT_DURATION, overlapping
from scheduler.operations import DomainError, NotFound, labs, reminders
from scheduler.operations.access import STAFF, record_change, require_role
from scheduler.operations.plans import plan_for_order
from scheduler.operations.safety import pre_booking_checks

# Visits this far either side of the days concerned are loaded to check travel and overlaps.
CONTEXT_MARGIN = timedelta(days=1)
# Suggestions search the nurses living nearest the patient first, this many at a time, and
# stop once a round has found enough slots: across 300 nurses the whole search took 2.8 s
# (bench/README.md). An agency this size or smaller is searched whole, as before.
NURSES_PER_ROUND = 30


class SchedulingConflict(DomainError):
    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        super().__init__(" ".join(c.message for c in conflicts))


def travel_settings(session: Session) -> TravelSettings:
    agency = session.scalar(select(Agency).limit(1))
    if agency is None:  # an agency not set up yet gets the model's defaults
        return TravelSettings(road_factor=1.3, average_speed_kmh=50.0)
    return TravelSettings(road_factor=agency.road_factor, average_speed_kmh=agency.average_speed_kmh)


def order_window(order: TherapyOrder) -> tuple[date, date]:
    """The dates day 1 may fall on: the order's start date plus or minus its window."""
    return (order.earliest_start - timedelta(days=order.window_days), order.earliest_start + timedelta(days=order.window_days))


def _busy(session: Session, *, between: Interval, nurse_ids=None, patient_id=None, exclude_ids=()) -> list[tuple[int, BookedVisit]]:
    """(nurse id, visit as the rules see it) for the active visits in `between`.

    Plain columns, not ORM objects: suggestions read a couple of thousand visits, and
    building (and identity-mapping) full Visit and Patient objects was most of their time
    (bench/README.md).

    The patients come in a second query by id: joined in one, SQLite's planner drove the
    join from the patients table (one index seek per patient of the agency) as soon as
    the history made its statistics favour the patient index (tests/db/test_history_guard.py)."""
    visits = session.execute(
        select(Visit.id, Visit.nurse_id, Visit.patient_id, Visit.starts_at, Visit.ends_at)
        .where(*_active_in(between, nurse_ids=nurse_ids, patient_id=patient_id, exclude_ids=exclude_ids))
    ).all()
    patients = {
        row.id: row
        for row in session.execute(select(Patient.id, Patient.lat, Patient.lon, Patient.last_name, Patient.first_name)
                                   .where(Patient.id.in_({v.patient_id for v in visits})))
    }
    return [
        (v.nurse_id, BookedVisit(v.id, v.starts_at, v.ends_at, Point(p.lat, p.lon), v.patient_id,
                                 label=f"{p.first_name} {p.last_name}"))
        for v in visits
        for p in (patients[v.patient_id],)
    ]


def _active_in(between: Interval, *, nurse_ids=None, patient_id=None, exclude_ids=()) -> list:
    """Conditions for the active visits overlapping `between`, optionally of some nurses or
    one patient, leaving out the visits being moved."""
    conditions = [Visit.status.in_(ACTIVE_VISIT_STATUSES), overlapping(between.start, between.end)]
    if nurse_ids is not None:
        conditions.append(Visit.nurse_id.in_(nurse_ids))
    if patient_id is not None:
        conditions.append(Visit.patient_id == patient_id)
    if exclude_ids:
        conditions.append(Visit.id.not_in(exclude_ids))
    return conditions


def _active_visits(session: Session, *, between: Interval, nurse_ids=None) -> list[Visit]:
    query = select(Visit).options(selectinload(Visit.patient)).where(*_active_in(between, nurse_ids=nurse_ids))
    return list(session.scalars(query))


def nurse_contexts(session: Session, nurses: list[Nurse], *, between: Interval, exclude_ids=()) -> list[NurseContext]:
    by_nurse: dict[int, list[BookedVisit]] = {n.id: [] for n in nurses}
    for nurse_id, visit in _busy(session, between=between, nurse_ids=list(by_nurse), exclude_ids=exclude_ids):
        by_nurse[nurse_id].append(visit)
    return [
        NurseContext(
            nurse_id=n.id,
            name=n.display_name,
            zone=ZoneInfo(n.timezone),
            home=Point(n.home_lat, n.home_lon),
            blocks=tuple(WeeklyBlock(h.weekday, h.start_time, h.end_time) for h in n.working_hours),
            time_off=tuple(Interval(t.starts_at, t.ends_at) for t in n.time_off if t.ends_at > between.start and t.starts_at < between.end),
            max_visits_per_day=n.max_visits_per_day,
            visits=tuple(sorted(by_nurse[n.id], key=lambda v: v.starts_at)),
        )
        for n in nurses
    ]


def get_order(session: Session, order_id: int) -> TherapyOrder:
    order = session.get(TherapyOrder, order_id)
    if order is None:
        raise NotFound(f"No therapy order #{order_id}.")
    return order


def open_days(session: Session, order: TherapyOrder) -> list[int]:
    """The days of the course with no active visit: never booked, or cancelled."""
    taken = set(session.scalars(select(Visit.day_number).where(Visit.order_id == order.id,
                                                               Visit.status.in_(ACTIVE_VISIT_STATUSES))))
    return [n for n in range(1, order.days + 1) if n not in taken]


def check_days(order: TherapyOrder, days) -> tuple[int, ...]:
    """The day numbers asked for, sorted, each a day of the course."""
    wanted = tuple(sorted(set(days)))
    bad = [n for n in wanted if not 1 <= n <= order.days]
    if not wanted or bad:
        raise DomainError(f"Order #{order.id} has days 1 to {order.days}; choose among them.")
    return wanted


def day_window(session: Session, order: TherapyOrder, day_number: int) -> tuple[date, date]:
    """The dates a day of the course may fall on: day 1 within the order's window; a later
    day around where the course puts it (day 1's date plus the days between), with the same
    leeway."""
    if day_number == 1:
        return order_window(order)
    anchor = session.execute(
        select(Visit.day_number, Visit.starts_at).where(Visit.order_id == order.id, Visit.status.in_(ACTIVE_VISIT_STATUSES))
        .order_by(Visit.day_number).limit(1)
    ).first()
    zone = ZoneInfo(order.patient.timezone)
    start = anchor.starts_at.astimezone(zone).date() - timedelta(days=anchor.day_number - 1) if anchor else order.earliest_start
    expected = start + timedelta(days=day_number - 1)
    return expected - timedelta(days=order.window_days), expected + timedelta(days=order.window_days)


def course_plan(session: Session, catalog, order: TherapyOrder, patient: Patient, on: date) -> tuple[dict, str]:
    """(plan as stored, catalog version) for booking days of the course: the plan its other
    booked days carry (fixed at booking), else the plan the order gets on `on`."""
    booked = session.scalars(select(Visit).where(Visit.order_id == order.id, Visit.status.in_(ACTIVE_VISIT_STATUSES))
                             .order_by(Visit.day_number).limit(1)).first()
    if booked is not None and _readable_days(booked.plan) >= order.days:
        return booked.plan, booked.catalog_version
    return plan_to_dict(plan_for_order(catalog, order, patient, on=on)), catalog.version


def _readable_days(stored: dict) -> int:
    try:
        return len(BookedPlan.from_dict(stored).days)
    except PlanFormatError:
        return 0  # none this version can read: the course is planned again


def suggest_for_order(session: Session, order_id: int, catalog, *, now: datetime, limit: int = 10,
                      days=None, exclude_ids=()) -> list[Slot]:
    """Ranked suggestions for the course, or only for `days` of it (default: the days still
    open, all of them for an order not booked yet). `exclude_ids`: visits being moved, whose
    own time must not block their new one."""
    return order_suggestions(session, order_id, catalog, now=now, limit=limit, days=days, exclude_ids=exclude_ids).slots


@dataclass(frozen=True)
class Suggestions:
    slots: list[Slot]
    skipped: list[SkippedDay]  # the earlier days of the window not offered, each with why
    nurses_asked: int = 0  # how many nurses the search (and so each "why") covered
    nurses: int = 0  # of the agency's

    @property
    def explained_for_some(self) -> bool:
        """The "why not earlier" sentences speak for the nearest nurses only, not every one."""
        return bool(self.skipped) and self.nurses_asked < self.nurses


def order_suggestions(session: Session, order_id: int, catalog, *, now: datetime, limit: int = 10, days=None,
                      exclude_ids=(), explain: bool = False, explain_for_every_nurse: bool = True) -> Suggestions:
    """suggest_for_order, and with `explain` why each earlier day of the window was not offered:
    for every nurse (the search goes on past the nearest until the window's first day is
    offered), or with `explain_for_every_nurse=False` for the nurses the suggestions needed
    (a large agency's booking page answers at once; every nurse is one click away)."""
    order = get_order(session, order_id)
    patient = order.patient
    days = check_days(order, days) if days else tuple(open_days(session, order) or range(1, order.days + 1))
    plan, _ = course_plan(session, catalog, order, patient, max(order.earliest_start, now.date()))
    zone = ZoneInfo(patient.timezone)
    first, last = day_window(session, order, days[0])
    first = max(first, now.astimezone(zone).date())
    between = Interval(datetime.combine(first, datetime.min.time(), tzinfo=zone) - CONTEXT_MARGIN,
                       datetime.combine(last, datetime.min.time(), tzinfo=zone) + timedelta(days=order.days) + CONTEXT_MARGIN)
    place = Point(patient.lat, patient.lon)
    # Homes as plain columns to order the search; hours and time off only for each round's nurses.
    nearest_first = [n.id for n in sorted(session.execute(select(Nurse.id, Nurse.home_lat, Nurse.home_lon)),
                                          key=lambda n: (great_circle_km(Point(n.home_lat, n.home_lon), place), n.id))]
    preferred = (patient.preferred_start, patient.preferred_end) if patient.preferred_start and patient.preferred_end else None
    request = SlotRequest(
        patient_id=patient.id, place=place, patient_zone=zone,
        visit_mins=tuple(float(BookedPlan.from_dict(plan).day(n).visit_min) for n in days), window=(first, last),
        preferred_hours=preferred, not_before=now, day_numbers=days,
    )
    patient_visits = tuple(v for _, v in _busy(session, between=between, patient_id=patient.id, exclude_ids=exclude_ids))
    travel, slots, searched = travel_settings(session), [], []
    for first_nurse in range(0, len(nearest_first), NURSES_PER_ROUND):
        ids = nearest_first[first_nurse:first_nurse + NURSES_PER_ROUND]
        nurses = session.scalars(select(Nurse).where(Nurse.id.in_(ids))
                                 .options(selectinload(Nurse.working_hours), selectinload(Nurse.time_off))).all()
        round_request, round_between = request, between
        if len(slots) >= limit:
            # Enough to offer: the rounds from here are for the explanation, so they search only
            # the days before the earliest one offered (a slot there comes first and the "why"
            # sentences stay true for every nurse). Like any nearest-first search, a farther
            # nurse's slot on a later day does not displace a nearer one's already found.
            # 300 nurses over the whole window took the booking page 0.5 s.
            offered = slots[0].starts_at[0].astimezone(zone).date()
            round_request = replace(request, window=(first, offered - timedelta(days=1)))
            round_between = Interval(between.start, datetime.combine(offered, datetime.min.time(), tzinfo=zone)
                                     + timedelta(days=order.days) + CONTEXT_MARGIN)
        contexts = nurse_contexts(session, sorted(nurses, key=lambda n: ids.index(n.id)), between=round_between,
                                  exclude_ids=exclude_ids)
        searched += contexts
        slots = ranked(slots + suggest_slots(round_request, contexts, patient_visits=patient_visits, travel=travel,
                                             limit=limit), request)[:limit]
        # Why an earlier day was not offered is a sentence about every nurse: explaining
        # goes on searching unless the window's first day is already offered.
        if len(slots) >= limit and (not (explain and explain_for_every_nurse)
                                    or slots[0].starts_at[0].astimezone(zone).date() <= first):
            break
    skipped = skipped_days(request, searched, slots, patient_visits=patient_visits, travel=travel) if explain else []
    return Suggestions(slots, skipped, len(searched), len(nearest_first))


def _lock_for_booking(session: Session, nurse_id: int, patient_id: int, *, also_nurse_ids=()) -> tuple[Nurse, Patient]:
    # PostgreSQL: row locks serialise writers for these nurses and this patient, always in
    # one order -- nurses by id, then the patient, then (moving, cancelling) the visits -- so
    # two writers never wait on each other in a circle. Every operation that changes a
    # nurse's day (book, move, cancel: they all rewrite the day's stored drive times) takes
    # the nurse's lock first. SQLite ignores FOR UPDATE, but its BEGIN IMMEDIATE already
    # serialises every writer.
    # FOR NO KEY UPDATE (key_share=True), not FOR UPDATE: it still excludes other bookings,
    # but not the FOR KEY SHARE lock that every insert referencing the patient takes for its
    # foreign key. With FOR UPDATE a cancellation (holding the visit row, inserting its
    # audit row with patient_id) and a reschedule of that visit (holding the patient,
    # waiting for the visit row) deadlocked (tests/reliability/test_booking_races.py).
    nurses = {
        n.id: n
        for n in session.scalars(
            select(Nurse).where(Nurse.id.in_({nurse_id, *also_nurse_ids})).order_by(Nurse.id).with_for_update(key_share=True)
        )
    }
    if nurse_id not in nurses:
        raise NotFound(f"No nurse #{nurse_id}.")
    patient = session.scalar(select(Patient).where(Patient.id == patient_id).with_for_update(key_share=True))
    return nurses[nurse_id], patient


def _lock_visits(session: Session, visits: list[Visit]) -> list[Visit]:
    """The visits again, row-locked and freshly read, each still booked.

    The first read ran before any lock: on PostgreSQL another coordinator may have
    cancelled or moved one of them since, and a cancelled visit must not be moved. The
    lock makes us wait for her commit; READ COMMITTED then shows her change.
    """
    locked = list(session.scalars(
        select(Visit).where(Visit.id.in_([v.id for v in visits])).order_by(Visit.id)
        .with_for_update(key_share=True).execution_options(populate_existing=True)
    ))
    for visit in locked:
        if visit.status != "booked":
            raise DomainError(f"Visit #{visit.id} is {visit.status.replace('_', ' ')}; only booked visits can be moved.")
    return sorted(locked, key=lambda v: v.day_number)


def _check(session: Session, order: TherapyOrder, nurse: Nurse, patient: Patient, first_start: datetime,
           visit_mins: list[float], *, exclude_ids=(), window=True, day_numbers=None):
    zone = ZoneInfo(patient.timezone)
    proposals = series_proposals(first_start, visit_mins, place=Point(patient.lat, patient.lon), patient_id=patient.id,
                                 zone=zone, day_numbers=day_numbers)
    if any(p.ends_at - p.starts_at >= MAX_VISIT_DURATION for p in proposals):
        # The database refuses it too (every interval lookup relies on the bound); say why here.
        raise DomainError(f"A visit must be shorter than {MAX_VISIT_DURATION.total_seconds() / 3600:.0f} hours; "
                          "split the course over more days.")
    between = Interval(proposals[0].starts_at - CONTEXT_MARGIN, proposals[-1].ends_at + CONTEXT_MARGIN)
    [context] = nurse_contexts(session, [nurse], between=between, exclude_ids=exclude_ids)
    patient_visits = tuple(v for _, v in _busy(session, between=between, patient_id=patient.id, exclude_ids=exclude_ids))
    conflicts = series_conflicts(proposals, context, patient_visits=patient_visits, travel=travel_settings(session),
                                 window=order_window(order) if window else None, patient_zone=zone)
    if conflicts:
        raise SchedulingConflict(conflicts)
    return proposals


def book_series(session: Session, order_id: int, nurse_id: int, first_start: datetime, catalog, *, days=None,
                actor, now: datetime) -> list[Visit]:
    """Book every day of the order's course (or only `days` of it: a cancelled or unbooked
    day booked again) with one nurse at the same local time: all or none."""
    require_role(actor, STAFF, doing="book visits")
    order = get_order(session, order_id)
    if order.status != "active":
        state = "discontinued" if order.status == "cancelled" else order.status
        raise DomainError(f"Order #{order.id} is {state}; only active orders can be booked.")
    if first_start < now:
        raise DomainError("A visit cannot be booked in the past.")
    wanted = check_days(order, days or range(1, order.days + 1))
    nurse, patient = _lock_for_booking(session, nurse_id, order.patient_id)
    # Checked only once the patient is locked: on PostgreSQL two coordinators booking the
    # same order with different nurses on non-overlapping days both passed this check when
    # it ran before the lock, and the order was booked twice (tests/reliability/
    # test_booking_races.py). Under the lock, READ COMMITTED shows the winner's visits.
    still_open = open_days(session, order)
    taken = [n for n in wanted if n not in still_open]
    if taken:
        hint = f"book only day(s) {', '.join(map(str, still_open))}" if still_open else "reschedule its visits instead"
        raise DomainError(f"Order #{order.id} is already booked for day(s) {', '.join(map(str, taken))}; {hint}.")
    plan_json, catalog_version = course_plan(session, catalog, order, patient,
                                             first_start.astimezone(ZoneInfo(patient.timezone)).date())
    pre_booking_checks(order, patient, plan_json, catalog.settings.max_session_min)
    proposals = _check(session, order, nurse, patient, first_start,
                       [float(BookedPlan.from_dict(plan_json).day(n).visit_min) for n in wanted], day_numbers=wanted)
    visits = [
        Visit(order_id=order.id, patient_id=patient.id, nurse_id=nurse.id, day_number=p.day_number,
              starts_at=p.starts_at, ends_at=p.ends_at, catalog_version=catalog_version, plan=plan_json,
              created_by_id=getattr(actor, "id", None))
        for p in proposals
    ]
    session.add_all(visits)
    _flush_or_conflict(session)
    for visit in visits:
        update_day_travel(session, visit.nurse, visit.starts_at)
    for visit in visits:
        record_change(session, actor, object_type="visit", object_id=visit.id, patient_id=visit.patient_id, now=now,
                      action="create", details={"nurse_id": nurse.id, "starts_at": visit.starts_at.isoformat()})
        visit_changed(session, visit, "booked", now=now)
    return visits


def _series_from(session: Session, visit: Visit, scope: str) -> list[Visit]:
    if scope == "one":
        return [visit]
    if scope == "rest":
        return list(session.scalars(
            select(Visit)
            .where(Visit.order_id == visit.order_id, Visit.day_number >= visit.day_number, Visit.status == "booked")
            .order_by(Visit.day_number)
        ))
    raise DomainError(f"Unknown scope {scope!r}: choose 'one' or 'rest'.")


def reschedule_visit(session: Session, visit_id: int, new_start: datetime, *, nurse_id: int | None = None,
                     scope: str = "one", actor, now: datetime) -> list[Visit]:
    """Move one visit, or it and the rest of its series (same local time on consecutive days)."""
    require_role(actor, STAFF, doing="move visits")
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise NotFound(f"No visit #{visit_id}.")
    if visit.status != "booked":
        raise DomainError(f"Visit #{visit.id} is {visit.status.replace('_', ' ')}; only booked visits can be moved.")
    if new_start < now:
        raise DomainError("A visit cannot be moved into the past.")
    moving = _series_from(session, visit, scope)
    nurse, patient = _lock_for_booking(session, nurse_id or visit.nurse_id, visit.patient_id,
                                       also_nurse_ids={m.nurse_id for m in moving})
    moving = _lock_visits(session, moving)
    lengths = [(v.ends_at - v.starts_at).total_seconds() / 60 for v in moving]
    proposals = _check(session, visit.order, nurse, patient, new_start, lengths,
                       exclude_ids=[v.id for v in moving], window=visit.day_number == 1)
    # Move one row at a time, the one furthest in the direction of travel first, so a
    # series shifted by a day never overlaps its own old rows (the database's overlap
    # check runs per row, not per transaction).
    old_days = {(m.nurse_id, m.starts_at) for m in moving}
    pairs = list(zip(moving, proposals))
    if proposals[0].starts_at > visit.starts_at:
        pairs.reverse()
    for moved, proposal in pairs:
        moved.starts_at, moved.ends_at, moved.nurse_id = proposal.starts_at, proposal.ends_at, nurse.id
        moved.version += 1
        _flush_or_conflict(session)
    for nurse_id, on in {*old_days, *((m.nurse_id, m.starts_at) for m in moving)}:
        update_day_travel(session, session.get(Nurse, nurse_id), on)
    for moved in moving:
        record_change(session, actor, object_type="visit", object_id=moved.id, patient_id=moved.patient_id, now=now,
                      action="reschedule", details={"nurse_id": moved.nurse_id, "starts_at": moved.starts_at.isoformat()})
        visit_changed(session, moved, "rescheduled", now=now)
    return moving


def cancel_visit(session: Session, visit_id: int, reason: str, *, scope: str = "one", actor, now: datetime) -> list[Visit]:
    require_role(actor, STAFF, doing="cancel visits")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give a reason for the cancellation.")
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise NotFound(f"No visit #{visit_id}.")
    # The nurses' and the patient's locks first (the order every writer uses), then the
    # visits locked and re-read: two coordinators cancelling, or one cancelling while
    # another moves it, take turns, and the second sees the first one's commit.
    series = _series_from(session, visit, scope)
    _lock_for_booking(session, visit.nurse_id, visit.patient_id, also_nurse_ids={v.nurse_id for v in series})
    visit = session.get(Visit, visit_id, with_for_update={"key_share": True}, populate_existing=True)
    if visit.status != "booked":
        raise DomainError(f"Visit #{visit.id} is {visit.status.replace('_', ' ')} and cannot be cancelled.")
    cancelled = _series_from(session, visit, scope)
    for each in cancelled:
        each.status, each.cancel_reason, each.cancelled_at = "cancelled", reason, now
        each.version += 1
    session.flush()
    for nurse_id, on in {(c.nurse_id, c.starts_at) for c in cancelled}:
        update_day_travel(session, session.get(Nurse, nurse_id), on)
    for each in cancelled:
        record_change(session, actor, object_type="visit", object_id=each.id, patient_id=each.patient_id, now=now,
                      action="cancel")
        visit_changed(session, each, "cancelled", now=now)
    return cancelled


def update_day_travel(session: Session, nurse: Nurse, on: datetime) -> None:
    """Recompute the stored drive before and after each of the nurse's visits that local day,
    so the calendar and the nurse's day view show the route as it now stands."""
    zone = ZoneInfo(nurse.timezone)
    day = on.astimezone(zone).date()
    bounds = Interval(datetime.combine(day, datetime.min.time(), tzinfo=zone),
                      datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone))
    visits = sorted(_active_visits(session, between=bounds, nurse_ids=[nurse.id]), key=lambda v: v.starts_at)
    legs = route_legs(Point(nurse.home_lat, nurse.home_lon), [Point(v.patient.lat, v.patient.lon) for v in visits],
                      travel_settings(session))
    for visit, (before, after) in zip(visits, legs):
        visit.travel_before_min, visit.travel_after_min = before, after


VISIT_CHANGES = ("booked", "rescheduled", "cancelled", "completed")


def visit_changed(session: Session, visit: Visit, change: str, *, now: datetime) -> None:
    """The one place every booking, move, cancellation and completion passes through, inside
    its transaction, and the only caller of what derives from a visit's time: the patient's
    reminders, and after a completed visit the follow-up platelet draws (whose reminders the
    draws plan in turn). Reminders and labs never call each other for a visit's change."""
    if change not in VISIT_CHANGES:
        raise ValueError(f"unknown visit change {change!r}")
    reminders.on_visit_changed(session, visit, change, now=now)
    if change == "completed":
        labs.create_follow_up(session, visit, now=now)


def _flush_or_conflict(session: Session) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        if "overlap" in str(exc.orig).lower() or "exclusion" in str(exc.orig).lower():
            raise SchedulingConflict([Conflict("database_overlap", wording.DATABASE_OVERLAP)]) from exc
        raise
