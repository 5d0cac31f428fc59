"""The booking rules, checked for one proposed visit against what is already booked.

Every refusal names its rule (a stable code) and, where one is in the way, the visit.
The booking operation runs these inside the transaction that inserts; the database's
overlap constraint is the last line of defence behind them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.booking.availability import Interval, WeeklyBlock, local_day_bounds, working_intervals
from scheduler.booking.travel import Point, TravelSettings, travel_min
from scheduler import wording


@dataclass(frozen=True)
class BookedVisit:
    visit_id: int | None  # None: another day of the series being booked
    starts_at: datetime
    ends_at: datetime
    place: Point
    patient_id: int
    label: str = ""


@dataclass(frozen=True)
class NurseContext:
    nurse_id: int
    name: str
    zone: ZoneInfo
    home: Point
    blocks: tuple[WeeklyBlock, ...]
    time_off: tuple[Interval, ...]
    max_visits_per_day: int
    visits: tuple[BookedVisit, ...] = field(default=())


@dataclass(frozen=True)
class Proposal:
    day_number: int
    starts_at: datetime
    visit_min: float
    place: Point
    patient_id: int

    @property
    def ends_at(self) -> datetime:
        # Whole minutes, rounded up: the visit must not be cut short by the calendar.
        return self.starts_at + timedelta(minutes=math.ceil(self.visit_min - 1e-9))


@dataclass(frozen=True)
class Conflict:
    rule: str
    message: str
    visit_id: int | None = None


def conflicts_for(
    proposal: Proposal,
    nurse: NurseContext,
    *,
    patient_visits: tuple[BookedVisit, ...],
    travel: TravelSettings,
    window: tuple[date, date] | None = None,
    patient_zone: ZoneInfo | None = None,
) -> list[Conflict]:
    """Every rule the proposal breaks (empty: it can be booked)."""
    start, end = proposal.starts_at, proposal.ends_at
    zone = nurse.zone
    found: list[Conflict] = []

    if window is not None:
        local_date = start.astimezone(patient_zone or zone).date()
        first, last = window
        if not first <= local_date <= last:
            found.append(Conflict("order_window", wording.order_window(proposal.day_number, local_date, first, last)))

    for off in nurse.time_off:
        if off.overlaps(start, end):
            found.append(Conflict("time_off", wording.time_off(nurse.name, off.start, off.end, zone)))
            break
    else:
        local_date = start.astimezone(zone).date()
        intervals = working_intervals(local_date, list(nurse.blocks), zone, list(nurse.time_off))
        if not any(i.contains(start, end) for i in intervals):
            hours = [(i.start, i.end) for i in intervals]
            found.append(Conflict("working_hours", wording.working_hours(nurse.name, start, end, hours, zone)))

    for other in nurse.visits:
        if other.ends_at <= start:
            gap_needed = travel_min(other.place, proposal.place, travel)
            if other.ends_at + timedelta(minutes=gap_needed) > start:
                found.append(Conflict("nurse_overlap", wording.nurse_busy_before(
                    nurse.name, other.label, other.ends_at, gap_needed, zone), other.visit_id))
        elif other.starts_at >= end:
            gap_needed = travel_min(proposal.place, other.place, travel)
            if end + timedelta(minutes=gap_needed) > other.starts_at:
                found.append(Conflict("nurse_overlap", wording.nurse_busy_after(
                    nurse.name, other.label, other.starts_at, gap_needed, end, zone), other.visit_id))
        else:
            found.append(Conflict("nurse_overlap", wording.nurse_overlap(nurse.name, other.label, other.starts_at,
                                                                          other.ends_at, zone), other.visit_id))

    for other in patient_visits:
        if other.starts_at < end and start < other.ends_at:
            found.append(Conflict("patient_overlap", wording.patient_overlap(other.starts_at, other.ends_at, zone),
                                  other.visit_id))

    day = local_day_bounds(start.astimezone(zone).date(), zone)
    same_day = [v for v in nurse.visits if day.overlaps(v.starts_at, v.ends_at)]
    if len(same_day) >= nurse.max_visits_per_day:
        found.append(Conflict("max_visits_per_day", wording.max_visits(nurse.name, len(same_day), nurse.max_visits_per_day)))
    return found


def series_proposals(first_start: datetime, visit_mins: list[float], *, place: Point, patient_id: int, zone: ZoneInfo,
                     day_numbers: tuple[int, ...] | None = None) -> list[Proposal]:
    """A course on consecutive days at the same local clock time (labels give ITP courses on
    consecutive days). `day_numbers`: only these days of the course (a cancelled day booked
    again), each as many days after the first one as its number says."""
    local = first_start.astimezone(zone)
    numbers = day_numbers or tuple(range(1, len(visit_mins) + 1))
    proposals = []
    for number, visit_min in zip(numbers, visit_mins):
        day = local.date() + timedelta(days=number - numbers[0])
        start = datetime.combine(day, time(local.hour, local.minute), tzinfo=zone).astimezone(first_start.tzinfo)
        proposals.append(Proposal(number, start, visit_min, place, patient_id))
    return proposals


def series_conflicts(
    proposals: list[Proposal],
    nurse: NurseContext,
    *,
    patient_visits: tuple[BookedVisit, ...],
    travel: TravelSettings,
    window: tuple[date, date] | None,
    patient_zone: ZoneInfo,
) -> list[Conflict]:
    """All or nothing: every day is checked, each against the days before it too."""
    found: list[Conflict] = []
    accepted: list[BookedVisit] = []
    for proposal in proposals:
        as_booked = BookedVisit(None, proposal.starts_at, proposal.ends_at, proposal.place, proposal.patient_id)
        found += conflicts_for(
            proposal,
            NurseContext(**{**nurse.__dict__, "visits": nurse.visits + tuple(accepted)}),
            patient_visits=patient_visits + tuple(accepted),
            travel=travel,
            window=window if proposal.day_number == 1 else None,
            patient_zone=patient_zone,
        )
        accepted.append(as_booked)
    return found
