"""When a nurse can work: weekly hours in her own zone, minus time off, as UTC intervals.

Working hours are wall-clock times ("07:30-17:30 on Mondays"), so they are turned into UTC
per date with the zone's rules of that date: a DST change moves them correctly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


@dataclass(frozen=True, order=True)
class Interval:
    start: datetime
    end: datetime

    def __post_init__(self):
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("intervals take aware datetimes")

    def contains(self, start: datetime, end: datetime) -> bool:
        return self.start <= start and end <= self.end

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True)
class WeeklyBlock:
    weekday: int  # 0 = Monday
    start: time
    end: time


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a date in a zone, as UTC. A time that does not exist (the
    spring-forward gap) is read with the offset before the change, as zoneinfo does."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(timezone.utc)


def working_intervals(day: date, blocks: list[WeeklyBlock], zone: ZoneInfo, time_off: list[Interval]) -> list[Interval]:
    """The UTC intervals the nurse works on a local date, time off cut out."""
    intervals = [
        Interval(local_to_utc(day, b.start, zone), local_to_utc(day, b.end, zone))
        for b in blocks
        if b.weekday == day.weekday()
    ]
    for off in time_off:
        intervals = [piece for interval in intervals for piece in _subtract(interval, off)]
    return sorted(intervals)


def _subtract(interval: Interval, off: Interval) -> list[Interval]:
    if not interval.overlaps(off.start, off.end):
        return [interval]
    pieces = []
    if interval.start < off.start:
        pieces.append(Interval(interval.start, off.start))
    if off.end < interval.end:
        pieces.append(Interval(off.end, interval.end))
    return pieces


def local_day_bounds(day: date, zone: ZoneInfo) -> Interval:
    return Interval(local_to_utc(day, time(0), zone), local_to_utc(day + timedelta(days=1), time(0), zone))
