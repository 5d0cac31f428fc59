"""Absences: a coordinator records that a nurse is out (sick, leave, training).

An absence is recorded even when visits of hers fall inside it -- a sick call cannot wait
for the visits to move first -- and the answer names those visits, so the coordinator (or
the re-plan proposal, scheduler/operations/replans.py) can give them to other nurses. The
booking rules refuse any new visit inside an absence, as they did for time off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.models import Absence, Visit
from scheduler.models.visits import overlapping
from scheduler.models.nurses import ABSENCE_KINDS
from scheduler.operations import NotFound
from scheduler.operations.access import record_change
from scheduler.operations.checks import Checker, require_staff
from scheduler.operations.nurses import OPEN_VISIT_STATUSES, get_nurse

KIND_LABELS = {"sick": "Sick", "leave": "Leave", "training": "Training"}
# Long enough for a year's leave, short enough that a typo (2062 for 2026) is caught.
MAX_ABSENCE = timedelta(days=366)


@dataclass(frozen=True)
class AbsenceRecorded:
    absence: Absence
    affected: list[Visit]  # her open visits inside it, earliest first


def affected_visits(session: Session, absence: Absence) -> list[Visit]:
    """Her visits still to happen (or under way) inside the absence, with their patients."""
    return list(session.scalars(
        select(Visit).options(selectinload(Visit.patient))
        .where(Visit.nurse_id == absence.nurse_id, Visit.status.in_(OPEN_VISIT_STATUSES),
               overlapping(absence.starts_at, absence.ends_at))
        .order_by(Visit.starts_at, Visit.id)
    ))


def record_absence(session: Session, nurse_id: int, starts: datetime | None, ends: datetime | None, kind: str | None,
                   reason: str | None, *, actor, now: datetime) -> AbsenceRecorded:
    """From `starts` to `ends`: aware instants (API) or naive wall-clock times in the nurse's
    zone (the pages). Refused when it overlaps another absence of hers (a double click, or
    two coordinators taking the same sick call): one stretch of absence, one row."""
    require_staff(actor)
    nurse = get_nurse(session, nurse_id)
    zone = ZoneInfo(nurse.timezone)
    c = Checker()
    kind = c.choice("kind", kind, ABSENCE_KINDS, label="kind of absence (sick, leave or training)")
    reason = c.text("reason", reason, label="note", max_len=200, required=False)
    starts_at = _moment(c, "starts_local", starts, zone, label="start")
    ends_at = _moment(c, "ends_local", ends, zone, label="end")
    if starts_at and ends_at:
        if ends_at <= starts_at:
            c.fail("ends_local", "The end must be after the start.")
        elif ends_at - starts_at > MAX_ABSENCE:
            c.fail("ends_local", "An absence is at most a year long; check the dates.")
    c.done()
    clash = session.scalar(
        select(Absence).where(Absence.nurse_id == nurse.id, Absence.starts_at < ends_at, Absence.ends_at > starts_at)
        .order_by(Absence.starts_at).limit(1)
    )
    if clash is not None:
        c.fail("starts_local", f"{nurse.display_name} is already recorded absent from {_local(clash.starts_at, zone)} "
                               f"to {_local(clash.ends_at, zone)}; remove that absence first to record a different one.")
        c.done()
    absence = Absence(starts_at=starts_at, ends_at=ends_at, kind=kind, reason=reason,
                      created_by_id=getattr(actor, "id", None), created_at=now)
    # Through the relationship: a nurse already loaded in this session (the booking rules read
    # her absences) must see the new one too.
    nurse.absences.append(absence)
    session.flush()
    affected = affected_visits(session, absence)
    record_change(session, actor, object_type="nurse_absence", object_id=absence.id, patient_id=None, now=now,
                  action="create", details={"nurse_id": nurse.id, "kind": kind,
                                            "affected_visit_ids": [v.id for v in affected]})
    return AbsenceRecorded(absence, affected)


def get_absence(session: Session, absence_id: int) -> Absence:
    absence = session.get(Absence, absence_id)
    if absence is None:
        raise NotFound("There is no such absence.")
    return absence


def remove_absence(session: Session, nurse_id: int, absence_id: int, *, actor, now: datetime) -> Absence:
    require_staff(actor)
    absence = session.get(Absence, absence_id)
    if absence is None or absence.nurse_id != nurse_id:
        raise NotFound("There is no such absence.")
    absence.nurse.absences.remove(absence)  # delete-orphan: the row goes, and her loaded list agrees
    session.flush()
    record_change(session, actor, object_type="nurse_absence", object_id=absence_id, patient_id=None, now=now,
                  action="delete", details={"nurse_id": nurse_id})
    return absence


def describe(absence: Absence, zone_name: str) -> str:
    """"Sick from Mon 23 Nov 07:00 to Tue 24 Nov 19:00 CST" -- a sentence for pages and flashes."""
    zone = ZoneInfo(zone_name)
    return f"{KIND_LABELS[absence.kind]} from {_local(absence.starts_at, zone)} to {_local(absence.ends_at, zone)}"


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z")


def _moment(c: Checker, field: str, value: datetime | None, zone: ZoneInfo, *, label: str) -> datetime | None:
    value = c.when(field, value, label=label)
    if value is None or field in c.errors:
        return None
    if value.tzinfo is not None:
        return value
    return c.local_moment(field, value, zone)


def absences_by_day(session: Session, days: list, zone: ZoneInfo, *, nurse_id: int | None = None) -> dict:
    """Local date -> the absences touching it (nurses by name), for the calendar; one bounded
    query for the week shown, whatever the years of absences behind it."""
    start = datetime.combine(days[0], datetime.min.time(), tzinfo=zone)
    end = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    # Both ends bounded on starts_at (an absence is at most MAX_ABSENCE long), so the index
    # range is the week's, not every absence since the agency began.
    query = (select(Absence).options(selectinload(Absence.nurse))
             .where(Absence.starts_at < end, Absence.starts_at > start - MAX_ABSENCE, Absence.ends_at > start))
    if nurse_id is not None:
        query = query.where(Absence.nurse_id == nurse_id)
    out: dict = {}
    for absence in session.scalars(query):
        for day in days:
            day_start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
            if absence.starts_at < day_start + timedelta(days=1) and absence.ends_at > day_start:
                out.setdefault(day, []).append(absence)
    for absences in out.values():
        absences.sort(key=lambda a: (a.nurse.last_name, a.nurse.first_name, a.starts_at))
    return out
