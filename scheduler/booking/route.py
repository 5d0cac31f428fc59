"""A nurse's day as a route: her stops in order with the drive between them, and a better
order of the same visits when there is one.

A day holds at most six visits (Nurse.max_visits_per_day), so every order is tried
(6! = 720): exact, and faster than building a model. Each order is timed forward from her
home: a visit starts when the nurse can be there, not before the patient's preferred hours
(and at its own hour when the order allows), on the quarter hour, never later than the
preferred hours allow, inside her working hours; its length never changes. The shortest
total drive wins; among equals, the least shift from the visits' own times. The booking
rules then check the winner (scheduler/operations/replans.py) before it is proposed.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.booking.availability import Interval, local_to_utc
from scheduler.booking.travel import Point, TravelSettings, travel_min

STEP = timedelta(minutes=15)


@dataclass(frozen=True)
class RouteStop:
    visit_id: int
    starts_at: datetime
    ends_at: datetime
    place: Point
    patient_zone: ZoneInfo
    preferred_hours: tuple[time, time] | None = None


@dataclass(frozen=True)
class Leg:
    drive_min: int
    stop: RouteStop | None  # None: home at the end of the day


def legs(home: Point, stops: list[RouteStop], travel: TravelSettings) -> list[Leg]:
    """The drive to each stop in visiting order, then home."""
    points = [home, *(s.place for s in stops), home]
    drives = [travel_min(a, b, travel) for a, b in zip(points, points[1:])]
    return [Leg(d, s) for d, s in zip(drives, [*stops, None])]


def total_drive(home: Point, stops: list[RouteStop], travel: TravelSettings) -> int:
    return sum(leg.drive_min for leg in legs(home, stops, travel))


def better_order(home: Point, stops: list[RouteStop], *, working: list[Interval], travel: TravelSettings,
                 not_before: datetime) -> list[tuple[RouteStop, datetime]] | None:
    """The stops in a shorter order with their new starts, or None when today's order is
    already the shortest that keeps every patient's hours and every visit's length."""
    current = total_drive(home, sorted(stops, key=lambda s: s.starts_at), travel)
    best, best_key = None, None
    for order in itertools.permutations(stops):
        drive = total_drive(home, list(order), travel)
        if drive >= current:
            continue
        timed = _timed(list(order), working, travel, not_before, keep_own=True) or _timed(
            list(order), working, travel, not_before, keep_own=False)
        if timed is None:
            continue
        key = (drive, sum(abs((start - stop.starts_at).total_seconds()) for stop, start in timed))
        if best_key is None or key < best_key:
            best, best_key = timed, key
    return best


def _timed(order: list[RouteStop], working: list[Interval], travel: TravelSettings, not_before: datetime, *,
           keep_own: bool) -> list[tuple[RouteStop, datetime]] | None:
    """Starts for the stops in this order: each when the nurse can be there (and not before
    its own hour, with keep_own); None when the order does not fit."""
    out, free_at, place = [], None, None
    for stop in order:
        length = stop.ends_at - stop.starts_at
        earliest = not_before if free_at is None else max(not_before, free_at + timedelta(
            minutes=travel_min(place, stop.place, travel)))
        latest = None
        if stop.preferred_hours:
            day = stop.starts_at.astimezone(stop.patient_zone).date()
            low, latest = (local_to_utc(day, t, stop.patient_zone) for t in stop.preferred_hours)
            earliest = max(earliest, low)
        interval = next((w for w in working if max(earliest, w.start) + length <= w.end), None)
        if interval is None:
            return None
        start = _round_up(max(earliest, interval.start))
        if keep_own and stop.starts_at >= start:
            start = stop.starts_at
        if start + length > interval.end or (latest is not None and start > latest):
            return None
        out.append((stop, start))
        free_at, place = start + length, stop.place
    return out


def _round_up(moment: datetime) -> datetime:
    seconds = math.ceil(moment.timestamp() / STEP.total_seconds() - 1e-9) * STEP.total_seconds()
    return datetime.fromtimestamp(seconds, tz=moment.tzinfo)
