"""The week calendar as a time grid: per day, a lane per nurse, each visit a block as long
as the visit with its drive before and after shaded. Values in, SVG geometry out (no Flask,
no database), drawn as inline SVG with presentation attributes only: the page needs no
script and no inline style (the Content-Security-Policy allows neither).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler import wording

LABEL_W, LANE_H, HOUR_W, TOP = 150, 34, 64, 22  # px: nurse names, lane height, one hour, hour labels
DEFAULT_HOURS = (7, 19)  # the grid shows at least a working day; longer if a visit or drive needs it


@dataclass(frozen=True)
class Block:
    visit_id: int
    x: float
    y: float
    width: float
    drive_before_x: float
    drive_before_w: float
    drive_after_w: float
    label: str  # what fits in the block: patient, product
    title: str  # the tooltip: every detail, times with their zones
    cancelled: bool
    status: str


@dataclass(frozen=True)
class DayGrid:
    day: date
    is_today: bool
    width: int
    height: int
    lanes: list[tuple[float, str]]  # y, nurse name
    hours: list[tuple[float, str]]  # x, "07:00"
    blocks: list[Block]
    now_x: float | None  # the current time on today's grid


def _hour_range(visits, zone: ZoneInfo) -> tuple[int, int]:
    first, last = DEFAULT_HOURS
    for v in visits:
        start = (v.starts_at - timedelta(minutes=v.travel_before_min)).astimezone(zone)
        end = (v.ends_at + timedelta(minutes=v.travel_after_min)).astimezone(zone)
        first = min(first, start.hour if start.date() == v.starts_at.astimezone(zone).date() else 0)
        last = max(last, math.ceil(end.hour + end.minute / 60) if end.date() == start.date() else 24)
    return first, min(last, 24)


def build_week(days: list[date], nurses, cells: dict, zone: ZoneInfo, *, now: datetime, product_names) -> list[DayGrid]:
    """`cells`: (nurse id, local date) -> visits. `product_names`: product id -> name."""
    all_visits = [v for visits in cells.values() for v in visits]
    first_hour, last_hour = _hour_range(all_visits, zone)
    width = LABEL_W + HOUR_W * (last_hour - first_hour) + 40  # room for the last hour label
    height = TOP + LANE_H * max(1, len(nurses)) + 4
    today = now.astimezone(zone).date()

    def x_of(moment: datetime, day: date) -> float:
        local = moment.astimezone(zone)
        midnight = datetime.combine(day, time(0), tzinfo=zone)
        hours = (local - midnight).total_seconds() / 3600
        return round(LABEL_W + HOUR_W * (min(max(hours, first_hour), last_hour) - first_hour), 1)

    hours = [(LABEL_W + HOUR_W * (h - first_hour), f"{h:02d}:00") for h in range(first_hour, last_hour + 1)]
    grids = []
    for day in days:
        lanes, blocks = [], []
        for index, nurse in enumerate(nurses):
            y = TOP + LANE_H * index
            lanes.append((y, nurse.display_name))
            for v in cells.get((nurse.id, day), []):
                start_x, end_x = x_of(v.starts_at, day), x_of(v.ends_at, day)
                before_x = x_of(v.starts_at - timedelta(minutes=v.travel_before_min), day)
                after_x = x_of(v.ends_at + timedelta(minutes=v.travel_after_min), day)
                blocks.append(Block(
                    visit_id=v.id, x=start_x, y=y + 4, width=max(end_x - start_x, 2),
                    drive_before_x=before_x, drive_before_w=start_x - before_x, drive_after_w=after_x - end_x,
                    label=_label(v, zone, product_names),
                    title=_title(v, zone, product_names), cancelled=v.status == "cancelled", status=v.status,
                ))
        now_x = x_of(now, day) if day == today else None
        grids.append(DayGrid(day, day == today, width, height, lanes, hours, blocks, now_x))
    return grids


def _label(v, zone: ZoneInfo, product_names) -> str:
    """Patient and product; a patient in another zone also the start in his zone, named."""
    label = f"{v.patient.last_name}, {v.patient.first_name[:1]}. · {product_names(v.order.product_id)}"
    own = ZoneInfo(v.patient.timezone)
    return label if own.key == zone.key else f"{label} (patient {wording.clock(v.starts_at, own)})"


def _title(v, zone: ZoneInfo, product_names) -> str:
    """Everything about the visit for the tooltip; the patient's own time too when it differs."""
    own = ZoneInfo(v.patient.timezone)
    when = wording.span(v.starts_at, v.ends_at, zone)
    if own.key != zone.key:
        when += f" (patient's time {wording.span(v.starts_at, v.ends_at, own)}, {own.key})"
    parts = [f"{v.patient.display_name}, day {v.day_number}", product_names(v.order.product_id), when,
             f"visit {wording.duration((v.ends_at - v.starts_at).total_seconds() / 60)}",
             f"drive {v.travel_before_min} min before, {v.travel_after_min} min after"]
    if v.status == "cancelled":
        parts.append("cancelled" + (f": {v.cancel_reason}" if v.cancel_reason else ""))
    elif v.status != "booked":
        parts.append(v.status.replace("_", " "))
    return " · ".join(parts)
