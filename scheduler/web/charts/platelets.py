"""The platelet trend as SVG geometry: values in, coordinates out (no Flask, no database).

Drawn server-side as inline SVG with presentation attributes only, so the page needs no
script and no inline style (the Content-Security-Policy allows neither).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

WIDTH, HEIGHT = 640, 300
PHONE_WIDTH = 340  # the portal's chart: fits a phone's screen at its natural size
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 64  # margins for the tick labels and the axis titles
# Text in the SVG, in px of the drawing's box; the chart is drawn at its box size (width and
# height attributes, never scaled down; a narrow screen scrolls it), so no label is ever
# under 12 px on screen.
FONT_PX = 14
MIN_Y_TOP = 100.0  # 10^9/L: the scale always shows the 30 and 50 lines with room above


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: list[tuple[float, float, str]]  # x, y, label
    polyline: str
    thresholds: list[tuple[float, int]]  # y, value
    infusions: list[tuple[float, str]]  # x, date label
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, str]]
    font_px: int = FONT_PX
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM


def build_chart(points: list[tuple[datetime, float]], infusions: list[datetime], zone: ZoneInfo,
                lines=(30, 50), *, width: int = WIDTH) -> Chart:
    moments = [p[0] for p in points] + list(infusions)
    start = min(moments) - timedelta(days=1)
    end = max(moments) + timedelta(days=1)
    span_s = (end - start).total_seconds()
    top = max([MIN_Y_TOP] + [v * 1.1 for _, v in points])
    plot_w, plot_h = width - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(moment: datetime) -> float:
        return round(LEFT + plot_w * (moment - start).total_seconds() / span_s, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - value / top), 1)

    coords = [(x(m), y(v), f"{m.astimezone(zone):%d %b}: {v:g}") for m, v in sorted(points)]
    step = 50 if top <= 300 else 100
    days = max(1, round(span_s / 86400 / (6 if width >= WIDTH else 4)))
    x_ticks, tick = [], start + timedelta(days=1)
    while tick <= end:
        x_ticks.append((x(tick), f"{tick.astimezone(zone):%d %b}"))
        tick += timedelta(days=days)
    return Chart(
        width, HEIGHT, coords, " ".join(f"{cx},{cy}" for cx, cy, _ in coords),
        [(y(v), v) for v in lines],
        [(x(m), f"{m.astimezone(zone):%d %b}") for m in infusions],
        [(y(v), v) for v in range(0, int(top) + 1, step)],
        x_ticks,
        plot_right=width - RIGHT,
    )
