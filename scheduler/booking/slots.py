"""Booking suggestions: for each nurse and day of the order's window, the earliest start that
fits the whole course, ranked by the earliest day, then the least added driving.

Per nurse and day only the gaps between her booked visits are tried, each at the earliest
moment it allows (after the drive from the previous stop), so the cost grows with the number
of visits in the window, not with the number of minutes in it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.booking.availability import local_day_bounds, local_to_utc, working_intervals
from scheduler.booking.rules import BookedVisit, NurseContext, Proposal, series_conflicts, series_proposals
from scheduler.booking.travel import Point, TravelSettings, travel_min
from scheduler import wording

STEP_MIN = 15  # suggested starts fall on the quarter hour


@dataclass(frozen=True)
class SlotRequest:
    patient_id: int
    place: Point
    patient_zone: ZoneInfo
    visit_mins: tuple[float, ...]  # one per day of the course
    window: tuple[date, date]
    preferred_hours: tuple[time, time] | None = None  # local to the patient
    not_before: datetime | None = None  # usually now
    day_numbers: tuple[int, ...] | None = None  # only these days of the course (None: all)


@dataclass(frozen=True)
class Slot:
    nurse_id: int
    nurse_name: str
    starts_at: tuple[datetime, ...]  # one per day
    ends_at: tuple[datetime, ...]
    travel_before_min: int
    travel_after_min: int
    added_travel_min: int


def suggest_slots(
    request: SlotRequest,
    nurses: list[NurseContext],
    *,
    patient_visits: tuple[BookedVisit, ...],
    travel: TravelSettings,
    limit: int = 10,
) -> list[Slot]:
    slots: list[Slot] = []
    first, last = request.window
    for nurse in nurses:
        day = first
        while day <= last:
            slot = _earliest_on(day, _near(nurse, day, len(request.visit_mins)), request, patient_visits, travel)
            if slot is not None:
                slots.append(slot)
            day += timedelta(days=1)
    return ranked(slots, request)[:limit]


def ranked(slots: list[Slot], request: SlotRequest) -> list[Slot]:
    """The earliest day first, then the least added driving."""
    return sorted(slots, key=lambda s: (s.starts_at[0].astimezone(request.patient_zone).date(), s.added_travel_min,
                                        s.starts_at[0], s.nurse_id))


# The visits either side of a course that the booking itself checks it against (the
# operation loads the course's days plus this margin: CONTEXT_MARGIN in
# scheduler/operations/visits.py).
CONTEXT_MARGIN = timedelta(days=1)


def _near(nurse: NurseContext, day: date, course_days: int) -> NurseContext:
    """The nurse with only her visits around a course starting on `day`.

    Checking each candidate against every visit of the whole window (about 60 per nurse
    for two weeks) computed ~130,000 drive times per suggestion and took 600 ms on the
    benchmark database (bench/README.md); the visits days away can never conflict.
    """
    lower = local_to_utc(day, time(0), nurse.zone) - CONTEXT_MARGIN
    upper = local_to_utc(day + timedelta(days=course_days), time(0), nurse.zone) + CONTEXT_MARGIN
    return replace(nurse, visits=tuple(v for v in nurse.visits if v.ends_at > lower and v.starts_at < upper))


def _earliest_on(day: date, nurse: NurseContext, request: SlotRequest, patient_visits, travel: TravelSettings) -> Slot | None:
    zone = nurse.zone
    day_visits = sorted(
        (v for v in nurse.visits if v.starts_at.astimezone(zone).date() == day), key=lambda v: v.starts_at
    )
    bounds = local_day_bounds(day, zone)
    if sum(1 for v in nurse.visits if bounds.overlaps(v.starts_at, v.ends_at)) >= nurse.max_visits_per_day:
        return None  # her day is full: no need to look for a gap
    first_min = math.ceil(request.visit_mins[0] - 1e-9)
    lower, upper = None, None
    if request.preferred_hours:
        lower = local_to_utc(day, request.preferred_hours[0], request.patient_zone)
        upper = local_to_utc(day, request.preferred_hours[1], request.patient_zone)
    for interval in working_intervals(day, list(nurse.blocks), zone, list(nurse.time_off)):
        stops = [None, *day_visits, None]
        for prev, nxt in zip(stops, stops[1:]):
            earliest = interval.start
            if prev is not None:
                earliest = max(earliest, prev.ends_at + timedelta(minutes=travel_min(prev.place, request.place, travel)))
            for bound in (lower, request.not_before):
                if bound is not None:
                    earliest = max(earliest, bound)
            start = _round_up(earliest, zone)
            if upper is not None and start > upper:
                continue
            # Cheap arithmetic first: most gaps of a busy agency are too short for the first
            # day, and the full rule check (all days, with its messages) is the costly part.
            end = start + timedelta(minutes=first_min)
            if end > interval.end or (nxt is not None and end + timedelta(minutes=travel_min(request.place, nxt.place, travel)) > nxt.starts_at):
                continue
            proposals = series_proposals(start, list(request.visit_mins), place=request.place,
                                         patient_id=request.patient_id, zone=request.patient_zone,
                                         day_numbers=request.day_numbers)
            if series_conflicts(proposals, nurse, patient_visits=patient_visits, travel=travel,
                                window=request.window, patient_zone=request.patient_zone):
                continue
            return _slot(nurse, proposals, prev, nxt, request.place, travel)
    return None


def _round_up(moment: datetime, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    minutes = local.hour * 60 + local.minute + (1 if local.second or local.microsecond else 0)
    rounded = math.ceil(minutes / STEP_MIN) * STEP_MIN
    base = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return (base + timedelta(minutes=rounded)).astimezone(moment.tzinfo)


def _slot(nurse: NurseContext, proposals: list[Proposal], prev: BookedVisit | None, nxt: BookedVisit | None,
          place: Point, travel: TravelSettings) -> Slot:
    before_from = prev.place if prev else nurse.home
    after_to = nxt.place if nxt else nurse.home
    before = travel_min(before_from, place, travel)
    after = travel_min(place, after_to, travel)
    added = before + after - travel_min(before_from, after_to, travel)
    return Slot(
        nurse_id=nurse.nurse_id,
        nurse_name=nurse.name,
        starts_at=tuple(p.starts_at for p in proposals),
        ends_at=tuple(p.ends_at for p in proposals),
        travel_before_min=before,
        travel_after_min=after,
        added_travel_min=added,
    )


@dataclass(frozen=True)
class SkippedDay:
    day: date  # local to the patient
    reason: str  # a sentence: "Thu 3 Dec: no nurse free for 6 h 10 min."


def skipped_days(request: SlotRequest, nurses: list[NurseContext], slots: list[Slot], *,
                 patient_visits: tuple[BookedVisit, ...], travel: TravelSettings) -> list[SkippedDay]:
    """Why each day of the window before the first one offered was not offered. `slots` are
    the ranked suggestions (earliest day first), so their first day is the earliest offered."""
    first, last = request.window
    offered = slots[0].starts_at[0].astimezone(request.patient_zone).date() if slots else last + timedelta(days=1)
    skipped, day = [], first
    while day < offered and day <= last:
        skipped.append(SkippedDay(day, f"{wording.day_text(day)}: {_why_not(day, request, nurses, patient_visits, travel)}."))
        day += timedelta(days=1)
    return skipped


def _visits_on(day: date, nurse: NurseContext) -> int:
    bounds = local_day_bounds(day, nurse.zone)  # once per nurse, not once per visit
    return sum(1 for v in nurse.visits if bounds.overlaps(v.starts_at, v.ends_at))


def _why_not(day: date, request: SlotRequest, nurses: list[NurseContext], patient_visits, travel: TravelSettings) -> str:
    working = [n for n in nurses if working_intervals(day, list(n.blocks), n.zone, list(n.time_off))]
    if not working:
        on_leave = any(working_intervals(day, list(n.blocks), n.zone, []) for n in nurses)
        return "no nurse works that day (time off)" if on_leave else "no nurse works that day"
    free = [n for n in working if _visits_on(day, n) < n.max_visits_per_day]
    if not free:
        return "every nurse working that day is fully booked"
    length = wording.duration(request.visit_mins[0])
    if len(request.visit_mins) > 1:
        # Room for the first day alone means a later day of the course is what does not fit.
        first_only = replace(request, visit_mins=request.visit_mins[:1],
                             day_numbers=request.day_numbers[:1] if request.day_numbers else None)
        if any(_earliest_on(day, _near(n, day, 1), first_only, patient_visits, travel) for n in free):
            return f"no nurse free on all {len(request.visit_mins)} days of the course from that day"
    if request.preferred_hours:
        start, end = request.preferred_hours
        return f"no nurse free for {length} within the patient's preferred hours ({start:%H:%M}–{end:%H:%M})"
    return f"no nurse free for {length}"
