"""Re-plan proposals: give an absent nurse's visits to the team (scheduler/booking/replan.py
computes, this module gathers the rows and stores the answer), and apply all or some rows.

The solver proposes; the booking rules and the database decide. Applying moves each chosen
visit through the booking operation (reschedule_visit: the same rules, locks, reminders and
audit as a move by hand) in the caller's one transaction, and refuses the whole apply when
anything changed since the proposal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.booking.availability import Interval
from scheduler.booking.replan import CourseDay, Move, MovingVisit, ReplanResult, Unplaced, check_moves, propose
from scheduler.booking.rules import BookedVisit, Conflict, NurseContext
from scheduler.booking.travel import Point, TravelSettings
from scheduler.models import Nurse, Replan, Visit
from scheduler.models.visits import ACTIVE_VISIT_STATUSES, overlapping
from scheduler.operations import DomainError, NotFound
from scheduler.operations.absences import affected_visits, get_absence
from scheduler.operations.access import record_change
from scheduler.operations.checks import require_staff
from scheduler.operations.visits import (
    SchedulingConflict, _busy, nurse_contexts, order_window, reschedule_visit, travel_settings,
)

# A visit whose day must move stays within this many days of its own date (and inside the
# order's window): a coordinator re-plans a sick week, not the month.
MAX_DAY_SHIFT = 3
DEFAULT_TIME_LIMIT_S = 1.5


class StaleProposal(SchedulingConflict):
    """Something changed since the proposal: the API answers 409, the page says what."""

    def __init__(self, message: str, visit_id: int | None = None):
        super().__init__([Conflict("stale_proposal", message, visit_id)])


def get_replan(session: Session, replan_id: int) -> Replan:
    replan = session.get(Replan, replan_id)
    if replan is None:
        raise NotFound("There is no such re-plan.")
    return replan


def propose_for_absence(session: Session, absence_id: int, *, actor, now: datetime,
                        time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> Replan:
    """A proposal for every open visit of the absent nurse inside her absence."""
    require_staff(actor)
    absence = get_absence(session, absence_id)
    visits = affected_visits(session, absence)
    if not visits:
        raise DomainError("None of her visits falls inside this absence: there is nothing to re-plan.")
    movable = [v for v in visits if v.status == "booked" and v.starts_at >= now]
    stuck = [Unplaced(v.id, "It is under way; it stays with her." if v.status == "in_progress"
                      else "It has already started; it cannot be moved into the past.")
             for v in visits if v not in movable]
    result = solve_for(session, movable, now=now, time_limit_s=time_limit_s)
    replan = Replan(kind="absence", nurse_id=absence.nurse_id, absence_id=absence.id, status="proposed",
                    result=_result_json(result, movable, visits, stuck, time_limit_s),
                    created_by_id=getattr(actor, "id", None), created_at=now)
    session.add(replan)
    session.flush()
    record_change(session, actor, object_type="replan", object_id=replan.id, patient_id=None, now=now, action="create",
                  details={"absence_id": absence.id, "visit_ids": [v.id for v in visits], "status": result.status})
    return replan


@dataclass(frozen=True)
class ReplanInputs:
    """What the solver (and the greedy baseline) reads, gathered from the database."""

    moving: list[MovingVisit]
    nurses: list[NurseContext]
    patient_visits: dict[int, tuple[BookedVisit, ...]]
    course_days: tuple[CourseDay, ...]
    travel: TravelSettings


def gather_inputs(session: Session, movable: list[Visit], *, now: datetime) -> ReplanInputs:
    """Every nurse's days around these visits (their own visits left out), the patients'
    other visits and the courses' other days."""
    moving = [_moving(v, now) for v in movable]
    travel = travel_settings(session)
    if not moving:
        return ReplanInputs([], [], {}, (), travel)
    ids = [v.id for v in movable]
    all_dates = [d for m in moving for d in m.dates]
    zone = moving[0].patient_zone
    between = Interval(datetime.combine(min(all_dates) - timedelta(days=1), datetime.min.time(), tzinfo=zone),
                       datetime.combine(max(all_dates) + timedelta(days=2), datetime.min.time(), tzinfo=zone))
    nurses = list(session.scalars(select(Nurse).options(selectinload(Nurse.working_hours), selectinload(Nurse.absences))
                                  .execution_options(populate_existing=True)))
    contexts = nurse_contexts(session, nurses, between=between, exclude_ids=ids)
    patient_visits = _busy_for(session, moving, between, ids)
    course = tuple(
        CourseDay(v.order_id, v.day_number, v.nurse_id, v.starts_at.astimezone(ZoneInfo(v.patient.timezone)).date())
        for v in session.scalars(select(Visit).options(selectinload(Visit.patient)).where(
            Visit.order_id.in_({v.order_id for v in movable}), Visit.status.in_(ACTIVE_VISIT_STATUSES), Visit.id.not_in(ids)))
    )
    return ReplanInputs(moving, contexts, patient_visits, course, travel)


def _busy_for(session: Session, moving: list[MovingVisit], between: Interval, ids) -> dict[int, tuple[BookedVisit, ...]]:
    """Each moving visit's patient's other visits in `between` (the moving ones left out)."""
    return {pid: tuple(v for _, v in _busy(session, between=between, patient_id=pid, exclude_ids=ids))
            for pid in {m.patient_id for m in moving}}


def solve_for(session: Session, movable: list[Visit], *, now: datetime, time_limit_s: float) -> ReplanResult:
    """Gather the inputs for these visits, run the solver, and have the booking code check
    each move once more: a move it refuses is listed as not placed, never proposed."""
    inputs = gather_inputs(session, movable, now=now)
    result = propose(inputs.moving, inputs.nurses, patient_visits=inputs.patient_visits, course_days=inputs.course_days,
                     travel=inputs.travel, not_before=now, time_limit_s=time_limit_s)
    problems = check_moves(list(result.moves), inputs.moving, inputs.nurses, patient_visits=inputs.patient_visits,
                           travel=inputs.travel)
    refused = {}
    for move in result.moves:
        mine = [p for p in problems if p.startswith(f"visit #{move.visit_id} ")]
        if mine:
            refused[move.visit_id] = mine[0]
    if refused:
        result = replace(result, moves=tuple(m for m in result.moves if m.visit_id not in refused),
                         unplaced=result.unplaced + tuple(Unplaced(vid, f"The booking rules refuse the solver's place: {why}")
                                                          for vid, why in refused.items()))
    return result


def _moving(visit: Visit, now: datetime) -> MovingVisit:
    patient = visit.patient
    zone = ZoneInfo(patient.timezone)
    own = visit.starts_at.astimezone(zone).date()
    first, last = order_window(visit.order)
    shift = timedelta(days=visit.day_number - 1)  # day k of a course keeps its place after day 1
    low = max(first + shift, own - timedelta(days=MAX_DAY_SHIFT), now.astimezone(zone).date())
    high = min(last + shift, own + timedelta(days=MAX_DAY_SHIFT))
    others = [low + timedelta(days=i) for i in range((high - low).days + 1)]
    preferred = (patient.preferred_start, patient.preferred_end) if patient.preferred_start and patient.preferred_end else None
    return MovingVisit(
        visit_id=visit.id, order_id=visit.order_id, patient_id=patient.id, day_number=visit.day_number,
        starts_at=visit.starts_at, ends_at=visit.ends_at, place=Point(patient.lat, patient.lon), patient_zone=zone,
        from_nurse_id=visit.nurse_id, dates=(own, *(d for d in others if d != own)), preferred_hours=preferred,
        label=f"{patient.last_name}, {patient.first_name}",
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _result_json(result: ReplanResult, movable: list[Visit], visits: list[Visit], stuck: list[Unplaced],
                 time_limit_s: float) -> dict:
    by_id = {v.id: v for v in visits}
    rows = [_row_json(m, by_id[m.visit_id]) for m in result.moves]
    unplaced = [{"visit_id": u.visit_id, "patient_id": by_id[u.visit_id].patient_id, "reason": u.reason}
                for u in (*result.unplaced, *stuck)]
    return {"rows": rows, "unplaced": unplaced, "solver": {
        "engine": "OR-Tools CP-SAT", "status": result.status, "wall_ms": result.wall_ms, "time_limit_s": time_limit_s,
        "options": result.options, "added_drive_min": result.added_drive_min, "nurse_changes": result.nurse_changes,
        "moved_day": sum(1 for m in result.moves if m.moved_day),
    }}


def _row_json(move: Move, visit: Visit) -> dict:
    return {
        "visit_id": move.visit_id, "version": visit.version, "patient_id": visit.patient_id, "order_id": visit.order_id,
        "day_number": visit.day_number, "from_nurse_id": move.from_nurse_id, "from_starts_at": _iso(move.from_starts_at),
        "from_ends_at": _iso(move.from_ends_at), "to_nurse_id": move.to_nurse_id, "to_starts_at": _iso(move.to_starts_at),
        "to_ends_at": _iso(move.to_ends_at), "added_drive_min": move.added_drive_min, "moved_day": move.moved_day,
        "nurse_changed": move.nurse_changed, "applied": False,
    }


def apply_replan(session: Session, replan_id: int, visit_ids: list[int] | None, *, actor, now: datetime) -> list[Visit]:
    """Apply the rows of these visits (all rows not yet applied when None), all or none.

    Refused (StaleProposal) when a visit changed since the proposal (moved, cancelled, begun:
    its version moved on) or when the booking rules now refuse a row (someone booked into
    the place it was given); nothing is applied then.
    """
    require_staff(actor)
    replan = get_replan(session, replan_id)
    if replan.status == "applied":
        raise StaleProposal(f"This re-plan was already applied on {replan.applied_at:%Y-%m-%d %H:%M} UTC.")
    result = dict(replan.result)
    rows = [dict(r) for r in result["rows"]]
    open_rows = {r["visit_id"]: r for r in rows if not r["applied"]}
    if visit_ids is None:
        chosen = list(open_rows.values())
    else:
        unknown = sorted(set(visit_ids) - set(open_rows))
        if unknown:
            raise DomainError(f"Visit(s) {', '.join(f'#{i}' for i in unknown)} are not open rows of this re-plan.")
        chosen = [open_rows[i] for i in dict.fromkeys(visit_ids)]
    if not chosen:
        raise DomainError("Choose at least one row to apply.")
    for row in chosen:
        visit = session.get(Visit, row["visit_id"])
        if visit is None or visit.version != row["version"] or visit.status != "booked":
            raise StaleProposal(f"Visit #{row['visit_id']} changed since the proposal was made; make a new proposal.",
                                row["visit_id"])
    if replan.kind == "route":
        from scheduler.operations.routes import apply_day_order

        if len(chosen) != len(open_rows):
            raise DomainError("A day's new order is applied whole: apply all rows.")
        moved = apply_day_order(session, replan.nurse_id, chosen, actor=actor, now=now)
    else:
        moved = _move_one_by_one(session, chosen, actor=actor, now=now)
    for row in chosen:
        row["applied"] = True
    result["rows"] = rows
    replan.result = result
    if all(r["applied"] for r in rows):
        replan.status, replan.applied_at = "applied", now
    session.flush()
    record_change(session, actor, object_type="replan", object_id=replan.id, patient_id=None, now=now, action="apply",
                  details={"visit_ids": [v.id for v in moved], "status": replan.status})
    return moved


def _move_one_by_one(session: Session, chosen: list[dict], *, actor, now: datetime) -> list[Visit]:
    """Each row through the booking operation (reschedule_visit), earliest first."""
    moved = []
    for row in sorted(chosen, key=lambda r: r["to_starts_at"]):
        try:
            [visit] = reschedule_visit(session, row["visit_id"], datetime.fromisoformat(row["to_starts_at"]),
                                       nurse_id=row["to_nurse_id"], scope="one", actor=actor, now=now)
        except SchedulingConflict as exc:
            raise StaleProposal(f"The schedule changed since the proposal was made (visit #{row['visit_id']}): {exc} "
                                "Make a new proposal.", row["visit_id"]) from exc
        except DomainError as exc:
            raise StaleProposal(f"Visit #{row['visit_id']} cannot be moved any more: {exc}", row["visit_id"]) from exc
        if visit.version != row["version"] + 1:  # changed between our read and the booking's lock
            raise StaleProposal(f"Visit #{row['visit_id']} changed while applying; make a new proposal.", row["visit_id"])
        moved.append(visit)
    return moved


def replan_dates(replan: Replan) -> tuple[date, date] | None:
    """The first and last day the proposal touches (for the calendar link beside it)."""
    zone = ZoneInfo(replan.nurse.timezone)
    days = [datetime.fromisoformat(r[key]).astimezone(zone).date()
            for r in replan.result["rows"] for key in ("from_starts_at", "to_starts_at")]
    return (min(days), max(days)) if days else None


@dataclass(frozen=True)
class RowView:
    """A proposal row as a page shows it: names and zones resolved."""

    row: dict
    visit: Visit
    from_nurse: Nurse
    to_nurse: Nurse
    from_starts_at: datetime
    to_starts_at: datetime
    to_ends_at: datetime


def replan_rows(session: Session, replan: Replan) -> tuple[list[RowView], list[tuple[dict, Visit]]]:
    """The rows and the unplaced of a proposal with their visits, patients and nurses."""
    ids = [r["visit_id"] for r in replan.result["rows"]] + [u["visit_id"] for u in replan.result["unplaced"]]
    visits = {v.id: v for v in session.scalars(select(Visit).options(selectinload(Visit.patient)).where(Visit.id.in_(ids)))}
    nurse_ids = {r[k] for r in replan.result["rows"] for k in ("from_nurse_id", "to_nurse_id")}
    nurses = {n.id: n for n in session.scalars(select(Nurse).where(Nurse.id.in_(nurse_ids)))}
    rows = [RowView(r, visits[r["visit_id"]], nurses[r["from_nurse_id"]], nurses[r["to_nurse_id"]],
                    datetime.fromisoformat(r["from_starts_at"]), datetime.fromisoformat(r["to_starts_at"]),
                    datetime.fromisoformat(r["to_ends_at"]))
            for r in replan.result["rows"] if r["visit_id"] in visits]
    unplaced = [(u, visits[u["visit_id"]]) for u in replan.result["unplaced"] if u["visit_id"] in visits]
    return rows, unplaced


def patient_ids_of(replan: Replan) -> list[int]:
    return [r["patient_id"] for r in replan.result["rows"]] + [u["patient_id"] for u in replan.result["unplaced"]]


@dataclass(frozen=True)
class Stop:
    starts_at: datetime
    ends_at: datetime
    label: str
    visit_id: int
    patient_id: int
    proposed: bool


@dataclass(frozen=True)
class NurseDay:
    nurse: Nurse
    on: date
    stops: list[Stop]


def days_with_proposal(session: Session, rows: list[RowView]) -> list[NurseDay]:
    """Each receiving nurse's day as it would be with the open rows applied (the calendar's
    cells for the page beside the proposal)."""
    moving_ids = [r.visit.id for r in rows]
    wanted: dict[tuple[int, date], NurseDay] = {}
    for r in rows:
        if r.row["applied"]:
            continue
        zone = ZoneInfo(r.to_nurse.timezone)
        key = (r.to_nurse.id, r.to_starts_at.astimezone(zone).date())
        day = wanted.setdefault(key, NurseDay(r.to_nurse, key[1], []))
        day.stops.append(Stop(r.to_starts_at, r.to_ends_at, _label(r.visit), r.visit.id, r.visit.patient_id, True))
    for (nurse_id, on), day in wanted.items():
        zone = ZoneInfo(day.nurse.timezone)
        bounds = Interval(datetime.combine(on, datetime.min.time(), tzinfo=zone),
                          datetime.combine(on + timedelta(days=1), datetime.min.time(), tzinfo=zone))
        for visit in session.scalars(select(Visit).options(selectinload(Visit.patient)).where(
                Visit.nurse_id == nurse_id, Visit.status.in_(ACTIVE_VISIT_STATUSES),
                overlapping(bounds.start, bounds.end), Visit.id.not_in(moving_ids))):
            day.stops.append(Stop(visit.starts_at, visit.ends_at, _label(visit), visit.id, visit.patient_id, False))
        day.stops.sort(key=lambda s: s.starts_at)
    return sorted(wanted.values(), key=lambda d: (d.on, d.nurse.last_name, d.nurse.first_name))


def _label(visit: Visit) -> str:
    return f"{visit.patient.last_name}, {visit.patient.first_name[:1]}."
