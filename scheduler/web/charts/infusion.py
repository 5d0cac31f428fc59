"""Inline SVG step charts of an infusion's rate over time, drawn on the server.

No script and no style attribute (the CSP allows neither inline): only SVG presentation
attributes. Readable printed in black and white: the plan is a solid line, what was actually
run a thick dashed line, the recomputed remainder a dotted line, "now" a thin vertical line,
and each is named in a legend, so nothing depends on colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

# Drawn for a phone: the SVG scales to its box, so its labels shrink with it. At 360 px the
# box is 328 px wide (the page's padding), and FONT_PX * 328 / WIDTH must stay >= 12 px; the
# stylesheet caps the chart's width on larger screens so the labels do not balloon either.
WIDTH, HEIGHT = 360, 240
FONT_PX = 14
NARROWEST_BOX_PX = 328
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 24, 56  # room for the axis labels and the legend
HEADROOM = Decimal("1.1")  # the highest rate sits below the top edge


@dataclass(frozen=True)
class Segment:
    start_min: Decimal
    end_min: Decimal
    rate_ml_per_hr: Decimal


@dataclass(frozen=True)
class Scale:
    max_min: Decimal
    max_rate_ml_per_hr: Decimal

    def x(self, minutes: Decimal) -> float:
        return round(LEFT + float(minutes / self.max_min) * (WIDTH - LEFT - RIGHT), 1)

    def y(self, rate_ml_per_hr: Decimal) -> float:
        return round(HEIGHT - BOTTOM - float(rate_ml_per_hr / self.max_rate_ml_per_hr) * (HEIGHT - TOP - BOTTOM), 1)


def scale_for(*series: Sequence[Segment]) -> Scale:
    segments = [s for each in series for s in each]
    max_min = max((s.end_min for s in segments), default=Decimal(1)) or Decimal(1)
    max_rate = max((s.rate_ml_per_hr for s in segments), default=Decimal(1)) or Decimal(1)
    return Scale(Decimal(max_min), Decimal(max_rate) * HEADROOM)


def step_points(segments: Sequence[Segment], scale: Scale) -> list[tuple[float, float]]:
    """Two points per step, its start and its end at its rate; the polyline draws the risers."""
    points: list[tuple[float, float]] = []
    for s in segments:
        points += [(scale.x(s.start_min), scale.y(s.rate_ml_per_hr)), (scale.x(s.end_min), scale.y(s.rate_ml_per_hr))]
    return points


def _polyline(segments, scale, *, width: str, dash: str | None, name: str) -> str:
    if not segments:
        return ""
    points = " ".join(f"{x},{y}" for x, y in step_points(segments, scale))
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<polyline class="series-{name}" points="{points}" fill="none" stroke="black" '
            f'stroke-width="{width}"{dashed}/>')


def step_chart(planned: Sequence[Segment], *, actual: Sequence[Segment] = (), projected: Sequence[Segment] = (),
               now_min: Decimal | None = None, title: str = "Pump rate over time") -> Markup:
    scale = scale_for(planned, actual, projected)
    bottom, top = HEIGHT - BOTTOM, TOP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="ramp-chart" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="black" stroke-width="1"/>',
        f'<line x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{bottom}" stroke="black" stroke-width="1"/>',
    ]
    last_y = None
    for rate in sorted({s.rate_ml_per_hr for s in planned}, reverse=True):  # the highest rate's label always shows
        y = scale.y(rate)
        if last_y is not None and y - last_y < FONT_PX:
            continue  # would overlap the label above it
        last_y = y
        parts.append(f'<text x="{LEFT - 4}" y="{y + 5}" text-anchor="end" font-size="{FONT_PX}">{escape(_n(rate))}</text>')
    hours = int(scale.max_min // 60)
    for hour in range(0, hours + 1, 1 if hours <= 6 else 2):  # labels at least ~45 px apart
        x = scale.x(Decimal(hour * 60))
        parts.append(f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 4}" stroke="black"/>'
                     f'<text x="{x}" y="{bottom + 18}" text-anchor="middle" font-size="{FONT_PX}">{hour} h</text>')
    parts.append(f'<text x="4" y="{top - 8}" font-size="{FONT_PX}">mL/hr</text>')
    parts.append(_polyline(planned, scale, width="2", dash=None, name="planned"))
    parts.append(_polyline(actual, scale, width="4", dash="8 4", name="actual"))
    parts.append(_polyline(projected, scale, width="2", dash="2 3", name="projected"))
    if now_min is not None and 0 <= now_min <= scale.max_min:
        x = scale.x(now_min)
        parts.append(f'<line class="now" x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="black" stroke-width="1"/>'
                     f'<text x="{x + 3}" y="{top + 12}" font-size="{FONT_PX}">now</text>')
    parts.append(_legend(bool(actual), bool(projected)))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704 - only numbers and escaped fixed labels


def _legend(actual: bool, projected: bool) -> str:
    entries = [("plan", None, "2")] + ([("actual", "8 4", "4")] if actual else []) + ([("remaining", "2 3", "2")] if projected else [])
    y = HEIGHT - 12
    out = []
    for index, (label, dash, width) in enumerate(entries):
        x = 8 + index * 112
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<line x1="{x}" y1="{y}" x2="{x + 24}" y2="{y}" stroke="black" stroke-width="{width}"{dashed}/>'
                   f'<text x="{x + 30}" y="{y + 5}" font-size="{FONT_PX}">{label}</text>')
    return "".join(out)


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f")
