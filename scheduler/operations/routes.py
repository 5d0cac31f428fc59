"""A nurse's day as a route (stops in order, drive legs, map links) and "optimise this day":
a better order of the same visits, proposed and applied like a re-plan (kind "route").

Re-ordering a day swaps visits into each other's hours, which one move at a time cannot do
without a moment where two overlap (the database refuses that, rightly). So the day is
applied as one move: the nurse and the patients locked as every booking does, the visits
re-read and locked, the whole new day checked by the booking rules (conflicts_for against
her other visits and the patients' other visits), then written in two steps inside the
transaction -- first out of each other's way, then to their new hours -- so the database's
overlap backstop checks every final row. Reminders, drive times and audit as for any move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.booking.availability import Interval, WeeklyBlock, local_day_bounds, working_intervals
from scheduler.booking.replan import Move, check_moves
from scheduler.booking.route import Leg, RouteStop, better_order, legs, total_drive
from scheduler.booking.travel import Point
from scheduler.models import Replan, Visit
from scheduler.models.visits import ACTIVE_VISIT_STATUSES, overlapping
from scheduler.operations import DomainError
from scheduler.operations.access import record_change
from scheduler.operations.checks import require_staff
from scheduler.operations.nurses import get_nurse
from scheduler.operations.replans import StaleProposal, _busy_for, _moving, _row_json
from scheduler.operations.visits import (
    SchedulingConflict, _flush_or_conflict, _lock_for_booking, _lock_visits, nurse_contexts, travel_settings,
    update_day_travel, visit_changed,
)

# Far in the past and a day apart per visit: where a re-ordered visit waits inside the
# transaction so no two of the day's visits overlap on the way to their new hours.
PARKING = datetime(1901, 1, 1, tzinfo=ZoneInfo("UTC"))


@dataclass(frozen=True)
class RouteDay:
    nurse: object
    on: date
    visits: list[Visit]
    legs: list[Leg]  # to each stop in order, then home
    total_drive_min: int


def map_link(lat: float, lon: float) -> str:
    return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=16/{lat:.5f}/{lon:.5f}"


def directions_link(a: Point, b: Point) -> str:
    return ("https://www.openstreetmap.org/directions?engine=fossgis_osrm_car"
            f"&route={a.lat:.5f}%2C{a.lon:.5f}%3B{b.lat:.5f}%2C{b.lon:.5f}")


def route_day(session: Session, nurse_id: int, on: date) -> RouteDay:
    """Her visits that local date in visiting order, with the drive to each and home."""
    nurse = get_nurse(session, nurse_id)
    visits = _day_visits(session, nurse, on)
    travel = travel_settings(session)
    stops = [_stop(v) for v in visits]
    home = Point(nurse.home_lat, nurse.home_lon)
    return RouteDay(nurse, on, visits, legs(home, stops, travel), total_drive(home, stops, travel) if stops else 0)


def propose_route(session: Session, nurse_id: int, on: date, *, actor, now: datetime) -> Replan | None:
    """A proposal with a shorter order of her booked visits that date (None: already the
    shortest that keeps each patient's preferred hours and each visit's length)."""
    require_staff(actor)
    nurse = get_nurse(session, nurse_id)
    visits = [v for v in _day_visits(session, nurse, on) if v.status == "booked" and v.starts_at >= now]
    if len(visits) < 2:
        raise DomainError("There is nothing to re-order: fewer than two of her visits that day are still ahead.")
    zone = ZoneInfo(nurse.timezone)
    blocks = [WeeklyBlock(h.weekday, h.start_time, h.end_time) for h in nurse.working_hours]
    absences = [Interval(a.starts_at, a.ends_at) for a in nurse.absences]
    travel = travel_settings(session)
    home = Point(nurse.home_lat, nurse.home_lon)
    stops = {v.id: _stop(v) for v in visits}
    order = better_order(home, list(stops.values()), working=working_intervals(on, blocks, zone, absences),
                         travel=travel, not_before=now)
    if order is None:
        return None
    moves = [Move(s.visit_id, nurse.id, s.starts_at, s.ends_at, nurse.id, start, start + (s.ends_at - s.starts_at),
                  0, False, False) for s, start in order]
    problems = _rule_problems(session, nurse, visits, moves, now=now)
    if problems:
        return None  # the booking rules refuse it (e.g. another nurse's visit of the same patient): keep the day
    before = total_drive(home, sorted(stops.values(), key=lambda s: s.starts_at), travel)
    after = total_drive(home, [s for s, _ in order], travel)
    by_id = {v.id: v for v in visits}
    rows = [_row_json(m, by_id[m.visit_id]) for m in moves]
    replan = Replan(kind="route", nurse_id=nurse.id, status="proposed", created_by_id=getattr(actor, "id", None),
                    created_at=now, result={"rows": rows, "unplaced": [], "solver": {
                        "engine": "every order tried", "status": "optimal", "wall_ms": 0, "options": len(rows),
                        "added_drive_min": after - before, "nurse_changes": 0, "moved_day": 0,
                        "drive_before_min": before, "drive_after_min": after}})
    session.add(replan)
    session.flush()
    record_change(session, actor, object_type="replan", object_id=replan.id, patient_id=None, now=now, action="create",
                  details={"kind": "route", "visit_ids": list(by_id), "saves_min": before - after})
    return replan


def apply_day_order(session: Session, nurse_id: int, rows: list[dict], *, actor, now: datetime) -> list[Visit]:
    """Write a day's new order as one move (see the module's docstring)."""
    visits = list(session.scalars(select(Visit).where(Visit.id.in_([r["visit_id"] for r in rows]))))
    nurse = None
    for patient_id in sorted({v.patient_id for v in visits}):
        nurse, _ = _lock_for_booking(session, nurse_id, patient_id)
    visits = _lock_visits(session, visits)
    by_id = {v.id: v for v in visits}
    for row in rows:
        if by_id[row["visit_id"]].version != row["version"]:
            raise StaleProposal(f"Visit #{row['visit_id']} changed since the proposal was made; make a new proposal.",
                                row["visit_id"])
    moves = [Move(r["visit_id"], nurse_id, by_id[r["visit_id"]].starts_at, by_id[r["visit_id"]].ends_at, nurse_id,
                  datetime.fromisoformat(r["to_starts_at"]), datetime.fromisoformat(r["to_ends_at"]), 0, False, False)
             for r in rows]
    problems = _rule_problems(session, nurse, visits, moves, now=now)
    if problems:
        raise StaleProposal(f"The schedule changed since the proposal was made: {problems[0]} Make a new proposal.")
    try:
        for index, visit in enumerate(visits):
            length = visit.ends_at - visit.starts_at
            visit.starts_at = PARKING + timedelta(days=index)
            visit.ends_at = visit.starts_at + length
        _flush_or_conflict(session)
        for move in moves:
            visit = by_id[move.visit_id]
            visit.starts_at, visit.ends_at = move.to_starts_at, move.to_ends_at
            visit.version += 1
        _flush_or_conflict(session)
    except SchedulingConflict as exc:
        raise StaleProposal(f"The schedule changed since the proposal was made: {exc}") from exc
    update_day_travel(session, nurse, moves[0].to_starts_at)
    for visit in visits:
        record_change(session, actor, object_type="visit", object_id=visit.id, patient_id=visit.patient_id, now=now,
                      action="reschedule", details={"nurse_id": visit.nurse_id, "starts_at": visit.starts_at.isoformat()})
        visit_changed(session, visit, "rescheduled", now=now)
    return visits


def _rule_problems(session: Session, nurse, visits: list[Visit], moves: list[Move], *, now: datetime) -> list[str]:
    """The booking rules (conflicts_for) for the day's new hours, against her other visits and
    the patients' other visits."""
    ids = [v.id for v in visits]
    day = local_day_bounds(moves[0].to_starts_at.astimezone(ZoneInfo(nurse.timezone)).date(), ZoneInfo(nurse.timezone))
    between = Interval(day.start - timedelta(days=1), day.end + timedelta(days=1))
    [context] = nurse_contexts(session, [nurse], between=between, exclude_ids=ids)
    moving = [_moving(v, now) for v in visits]
    return check_moves(moves, moving, [context], patient_visits=_busy_for(session, moving, between, ids),
                       travel=travel_settings(session))


def _day_visits(session: Session, nurse, on: date) -> list[Visit]:
    zone = ZoneInfo(nurse.timezone)
    start = datetime.combine(on, time(0), tzinfo=zone)
    return list(session.scalars(
        select(Visit).options(selectinload(Visit.patient))
        .where(Visit.nurse_id == nurse.id, Visit.status.in_(ACTIVE_VISIT_STATUSES),
               overlapping(start, start + timedelta(days=1)))
        .order_by(Visit.starts_at)
    ))


def _stop(visit: Visit) -> RouteStop:
    patient = visit.patient
    preferred = (patient.preferred_start, patient.preferred_end) if patient.preferred_start and patient.preferred_end else None
    return RouteStop(visit.id, visit.starts_at, visit.ends_at, Point(patient.lat, patient.lon), ZoneInfo(patient.timezone),
                     preferred)

