"""Platelet follow-up after an IVIG course: the draws, their results, and the trend.

When the last visit of a course is completed, one draw is created per hour offset of the
order's `lab_follow_up_hours` (default +24 h, +48 h, +72 h, day 7; ivig-reference.md
section 4), counted from the end of the infusion, each with its reminders. A draw marked
done or cancelled stops its reminders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.reminders import timing
from scheduler.models import InfusionRecord, LabDraw, LabResult, Patient, Visit
from scheduler.models.orders import DEFAULT_LAB_FOLLOW_UP_HOURS
from scheduler.models.visits import ending_after
from scheduler.operations import DomainError, NotFound
from scheduler.operations.access import record_change, require_patient_access
from scheduler.operations.reminders import close_open, notify_draw_cancelled, plan_draw

# Platelet counts a person could have, in 10^9/L; outside is a typing error.
PLATELET_RANGE = (0.0, 2000.0)
# Thresholds drawn on the chart (ASH 2019: treatment below 30; >= 50 the usual response
# and minor-procedure target; ivig-reference.md section 4).
PLATELET_LINES = (30, 50)
# A draw may be taken a little before its due time (the patient arrives early at the lab);
# a result for a draw further ahead belongs to another draw (issue 14).
DRAW_EARLY_TOLERANCE = timedelta(hours=2)
# The same lines in words for the patient, saying only what the sources say
# (ivig-reference.md section 4: ASH 2019 thresholds; the IVIG trials' day-7 endpoint of
# >= 50; the consensus table's >= 50 for minor surgery).
PLATELET_LINE_MEANINGS = {
    30: "Below 30, guidelines (ASH 2019) usually advise treatment; at 30 or more without bleeding they usually do not.",
    50: "50 or more is what the infusion studies counted as a good response, and the level usually asked for "
        "before minor surgery or a complex tooth extraction.",
}


def infusion_end(session: Session, visit: Visit) -> datetime:
    """When the infusion really ended, as documented; the booked end otherwise."""
    ended = session.scalar(select(InfusionRecord.ended_at).where(InfusionRecord.visit_id == visit.id))
    return ended or visit.ends_at


def is_last_of_course(session: Session, visit: Visit) -> bool:
    later = session.scalar(select(Visit.id).where(
        Visit.order_id == visit.order_id, Visit.id != visit.id, Visit.day_number > visit.day_number,
        Visit.status.in_(("booked", "in_progress"))).limit(1))
    return later is None


def create_follow_up(session: Session, visit: Visit, *, now: datetime) -> list[LabDraw]:
    """The draws (and their reminders) after the course's last visit; nothing otherwise.
    Day 1 of an order asking for a platelet check before day 2 gets that draw instead."""
    from scheduler.operations.day2 import plan_day2_check

    plan_day2_check(session, visit, now=now)
    if not is_last_of_course(session, visit):
        return []
    patient = session.get(Patient, visit.patient_id)
    zone = ZoneInfo(patient.timezone)
    ended = infusion_end(session, visit)
    offsets = visit.order.lab_follow_up_hours or DEFAULT_LAB_FOLLOW_UP_HOURS
    # After a withheld day 2, day 1 ends the course: its day-2 draw already is the 24-h draw.
    existing = set(session.scalars(select(LabDraw.offset_hours).where(LabDraw.visit_id == visit.id)))
    draws = [LabDraw(patient_id=patient.id, visit_id=visit.id, offset_hours=int(h), status="scheduled",
                     due_at=timing.lab_draw_due(ended, int(h), zone))
             for h in sorted({int(h) for h in offsets}) if int(h) not in existing]
    session.add_all(draws)
    session.flush()
    for draw in draws:
        plan_draw(session, draw, patient, now=now)
    return draws


def get_draw(session: Session, actor, draw_id: int, *, now: datetime) -> LabDraw:
    """The draw, if the actor may reach its patient; NotFound otherwise (as for a missing id)."""
    draw = session.get(LabDraw, draw_id)
    if draw is None:
        raise NotFound("There is no such lab draw.")
    require_patient_access(session, actor, draw.patient_id, now=now)
    return draw


def set_draw_status(session: Session, draw_id: int, status: str, *, actor, now: datetime) -> LabDraw:
    """Done (blood drawn) or cancelled: either way its reminders stop."""
    if status not in ("done", "cancelled"):
        raise DomainError("A draw can be marked done or cancelled.")
    draw = get_draw(session, actor, draw_id, now=now)
    if draw.status != "scheduled":
        raise DomainError(f"This draw is already {draw.status}.")
    draw.status = status
    draw.done_at = now if status == "done" else None
    draw.awaiting_result_since = draw.done_at
    close_open(session, lab_draw_id=draw.id, reason=f"draw {status}", status="expired" if status == "done" else "cancelled")
    if status == "cancelled":
        notify_draw_cancelled(session, draw, now=now)
    record_change(session, actor, object_type="lab_draw", object_id=draw.id, patient_id=draw.patient_id, now=now,
                  action=f"draw_{status}")
    session.flush()
    return draw


def confirm_drawn(session: Session, draw_id: int, *, actor, now: datetime) -> LabDraw:
    """The patient's "Blood drawn": his own scheduled draw, once its window has opened."""
    draw = get_draw(session, actor, draw_id, now=now)
    zone = ZoneInfo(draw.patient.timezone)
    opens, _closes = timing.draw_window(draw.due_at, zone)
    if draw.status == "scheduled" and now < opens:
        local = opens.astimezone(zone)
        raise DomainError(f"This blood test is not due yet: you can confirm it from {local:%A} {local.day} {local:%B} "
                          f"at {local:%H:%M} ({local.tzname()}), when its time begins.")
    return set_draw_status(session, draw.id, "done", actor=actor, now=now)


def undo_drawn(session: Session, draw_id: int, *, actor, now: datetime) -> LabDraw:
    """Take back a "Blood drawn" pressed by mistake: the same day (patient's clock), before a result."""
    draw = get_draw(session, actor, draw_id, now=now)
    zone = ZoneInfo(draw.patient.timezone)
    if draw.status != "done" or draw.done_at is None:
        raise DomainError("This blood test is not marked as drawn.")
    if draw.result is not None:
        raise DomainError("The lab result for this blood test is in; please call us if something is wrong.")
    if draw.done_at.astimezone(zone).date() != now.astimezone(zone).date():
        raise DomainError("A blood test can be unmarked only on the day it was marked; please call us.")
    draw.status, draw.done_at = "scheduled", None
    record_change(session, actor, object_type="lab_draw", object_id=draw.id, patient_id=draw.patient_id, now=now,
                  action="draw_undone")
    session.flush()
    plan_draw(session, draw, draw.patient, now=now)  # a reminder only if its window has not opened yet
    return draw


def record_result(session: Session, draw_id: int, platelets_10e9_per_l: float, *, actor, now: datetime) -> LabResult:
    low, high = PLATELET_RANGE
    if platelets_10e9_per_l is None or not low <= platelets_10e9_per_l <= high:
        raise DomainError(f"Enter a platelet count between {low:g} and {high:g} x10^9/L.")
    draw = get_draw(session, actor, draw_id, now=now)
    if draw.status == "cancelled":
        raise DomainError("This draw was cancelled.")
    if draw.result is not None:
        raise DomainError("This draw already has a result.")
    if now < draw.due_at - DRAW_EARLY_TOLERANCE:
        zone = ZoneInfo(draw.patient.timezone)
        raise DomainError(f"This draw is due {draw.due_at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key}); a result "
                          "can be entered once it has been drawn. Is it the result of another draw?")
    if draw.status == "scheduled":
        # Drawn when due, as far as anyone recorded: the result is plotted at the draw's
        # time, not at the moment it was typed in.
        draw.status, draw.done_at = "done", min(now, draw.due_at)
        close_open(session, lab_draw_id=draw.id, reason="result recorded", status="expired")
    draw.awaiting_result_since = None
    result = LabResult(draw=draw, value=round(platelets_10e9_per_l, 1), resulted_at=now,
                       entered_by_id=actor.id)
    session.add(result)
    record_change(session, actor, object_type="lab_draw", object_id=draw.id, patient_id=draw.patient_id, now=now,
                  action="lab_result")
    session.flush()
    return result


# Pages show a patient's platelet follow-up of this last stretch (the trend that guides the
# next course), the whole history one link away: so the page costs the same in her tenth
# year as in her first.
RECENT_FOLLOW_UP = timedelta(days=365)


def draws_for_patient(session: Session, patient_id: int, *, since: datetime | None = None) -> list[LabDraw]:
    """Her draws, oldest first; with `since`, only those due from then on."""
    query = select(LabDraw).options(selectinload(LabDraw.result)).where(LabDraw.patient_id == patient_id)
    if since is not None:
        query = query.where(LabDraw.due_at >= since)
    return list(session.scalars(query.order_by(LabDraw.due_at)))


def has_draws_before(session: Session, patient_id: int, instant: datetime, *, statuses=None) -> bool:
    """Whether she has draws (of `statuses`, when given) due before `instant`: "show the whole history"."""
    query = select(LabDraw.id).where(LabDraw.patient_id == patient_id, LabDraw.due_at < instant)
    if statuses is not None:
        query = query.where(LabDraw.status.in_(statuses))
    return session.scalar(query.limit(1)) is not None


@dataclass(frozen=True)
class Trend:
    points: list[tuple[datetime, float]]  # (drawn or due, platelets 10^9/L)
    infusions: list[datetime]  # ends of completed infusion visits

    @property
    def empty(self) -> bool:
        return not self.points and not self.infusions


def platelet_trend(session: Session, patient_id: int, *, since: datetime | None = None,
                   draws: list[LabDraw] | None = None) -> Trend:
    """Her results and infusions (from `since`, when given); `draws` when the caller has read them."""
    draws = draws_for_patient(session, patient_id, since=since) if draws is None else draws
    points = [(draw.done_at or draw.due_at, draw.result.value) for draw in draws if draw.result is not None]
    infusions = select(Visit.ends_at).where(Visit.patient_id == patient_id, Visit.status == "completed")
    if since is not None:
        infusions = infusions.where(ending_after(since))
    return Trend(sorted(points), list(session.scalars(infusions.order_by(Visit.ends_at))))
