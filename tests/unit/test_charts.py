"""The ramp chart: its polylines are exactly the steps, and it prints without colour or script."""

from __future__ import annotations

import re
from decimal import Decimal

from scheduler.web.charts.infusion import Segment, scale_for, step_chart, step_points

PLAN = [Segment(Decimal(0), Decimal(30), Decimal(48)), Segment(Decimal(30), Decimal(60), Decimal(96)),
        Segment(Decimal(60), Decimal("336.5"), Decimal(158))]


def polyline(svg: str, name: str) -> list[tuple[float, float]]:
    points = re.search(rf'class="series-{name}" points="([^"]+)"', svg).group(1)
    return [tuple(float(n) for n in pair.split(",")) for pair in points.split()]


def test_the_plan_line_has_a_start_and_an_end_point_per_step_at_its_rate():
    svg = str(step_chart(PLAN))
    scale = scale_for(PLAN)
    points = polyline(svg, "planned")
    assert len(points) == 2 * len(PLAN)
    for step, start, end in zip(PLAN, points[::2], points[1::2]):
        assert start == (scale.x(step.start_min), scale.y(step.rate_ml_per_hr))
        assert end == (scale.x(step.end_min), scale.y(step.rate_ml_per_hr))
    # Higher rate, higher on the page (smaller y); later, further right.
    ys = [p[1] for p in points[::2]]
    assert ys == sorted(ys, reverse=True)


def test_actual_and_remaining_are_drawn_distinguishably_without_colour():
    actual = [Segment(Decimal(0), Decimal(30), Decimal(48)), Segment(Decimal(30), Decimal(40), Decimal(96))]
    projected = [Segment(Decimal(40), Decimal(400), Decimal(48))]
    svg = str(step_chart(PLAN, actual=actual, projected=projected, now_min=Decimal(40)))
    assert polyline(svg, "actual") == step_points(actual, scale_for(PLAN, actual, projected))
    assert 'stroke-dasharray="8 4"' in svg and 'stroke-dasharray="2 3"' in svg
    assert 'class="now"' in svg
    assert "<script" not in svg and "style=" not in svg
    assert set(re.findall(r'stroke="([^"]+)"', svg)) == {"black"}
