"""Properties that must hold for any product, weight, dose and cap.

For every ramp: the step volumes add up to the day's volume; no step is above the applicable
cap (computed here independently of the code under test); rates never decrease; each step's
volume is its mL/hr x minutes / 60; the visit is the sum of its parts.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.clinical import (
    ClinicalRuleViolation,
    PlanRequest,
    RateCap,
    build_ramp,
    load_catalog,
    plan_course,
    plan_to_dict,
)
from scheduler.clinical.ramp import ScheduledRate

CATALOG = load_catalog()
PLANNABLE = sorted(
    (product.product_id, indication)
    for product in CATALOG.products.values()
    for indication in product.indications
    if not product.missing_for_planning(indication)
)
# No example database: the test run must not write files into the repository.
PROPERTY = settings(max_examples=200, deadline=None, database=None)
TOLERANCE_ML = Decimal("0.1")


def expected_cap_mg_per_kg_min(product_id: str, indication: str, at_risk: bool) -> Decimal:
    rule = CATALOG.product(product_id).indication(indication)
    cap = rule.max_rate_mg_per_kg_min.value
    if at_risk:
        at_risk_cap = (rule.at_risk_max_rate_mg_per_kg_min.value if rule.at_risk_max_rate_mg_per_kg_min
                       else CATALOG.protocol.ramp.at_risk_max_rate_mg_per_kg_min)
        cap = min(cap, at_risk_cap)
    return cap


def assert_ramp_properties(steps, *, cap_mg_per_kg_min, weight_kg, concentration, volume_ml):
    cap_ml_per_hr = cap_mg_per_kg_min * weight_kg * 60 / concentration
    assert abs(sum(s.volume_ml for s in steps) - volume_ml) <= TOLERANCE_ML
    assert steps[-1].cumulative_ml == sum(s.volume_ml for s in steps)
    for step in steps:
        assert step.rate_mg_per_kg_min <= cap_mg_per_kg_min
        assert 0 < step.rate_ml_per_hr <= cap_ml_per_hr
        assert abs(step.volume_ml - step.rate_ml_per_hr * (step.end_min - step.start_min) / 60) < Decimal("0.000001")
    rates = [s.rate_ml_per_hr for s in steps]
    assert rates == sorted(rates)
    assert steps[0].start_min == 0
    assert all(a.end_min == b.start_min for a, b in zip(steps, steps[1:]))


@PROPERTY
@given(
    pair=st.sampled_from(PLANNABLE),
    weight_kg=st.decimals(min_value="3", max_value="250", places=1),
    dose_g_per_kg=st.decimals(min_value="0.1", max_value="2", places=2),
    days=st.integers(1, 3),
    at_risk=st.booleans(),
    first_infusion=st.booleans(),
    resolution=st.sampled_from(["1", "0.1"]),
    rounding=st.sampled_from(["exact", 5, "2.5"]),
)
def test_every_catalog_plan_keeps_the_ramp_properties(pair, weight_kg, dose_g_per_kg, days, at_risk,
                                                       first_infusion, resolution, rounding):
    product_id, indication = pair
    request = PlanRequest(product_id, indication, weight_kg, dose_g_per_kg, days, at_risk=at_risk,
                          first_infusion=first_infusion, rounding=rounding, pump_resolution_ml_per_hr=resolution,
                          prescriber_override_reason="property run: any regimen")
    concentration = CATALOG.product(product_id).concentration_mg_per_ml.value
    try:
        plan = plan_course(CATALOG, request)
    except ClinicalRuleViolation as refused:
        # Only a patient so small that the initial rate is below the pump resolution.
        initial = CATALOG.product(product_id).indication(indication).initial_rate_mg_per_kg_min.value
        assert refused.code == "pump_rate_below_resolution"
        assert initial * weight_kg * 60 / concentration < Decimal(resolution)
        return
    cap = expected_cap_mg_per_kg_min(product_id, indication, at_risk)
    settings_ = CATALOG.settings
    for day in plan.days:
        assert day.volume_ml == day.dose_g * 1000 / concentration
        assert day.waste_g >= 0 and sum(v.size_g * v.count for v in day.vials) == day.dose_g + day.waste_g
        assert_ramp_properties(day.steps, cap_mg_per_kg_min=cap, weight_kg=plan.dosing_weight_kg,
                               concentration=concentration, volume_ml=day.volume_ml)
        observation = (settings_.observation_first_infusion_min if first_infusion and day.day == 1
                       else settings_.observation_min)
        assert day.visit.observation_min == observation
        assert day.visit_min == settings_.pre_infusion_min + day.infusion_min + observation
        assert day.steps[-1].end_min <= day.infusion_min < day.steps[-1].end_min + Decimal("0.1")
        if day.visit_min > settings_.max_session_min:
            assert "session_too_long" in {w.code for w in plan.warnings}
    # The stored (rounded) form keeps the same promises.
    cap_ml_per_hr = cap * plan.dosing_weight_kg * 60 / concentration
    for shown in plan_to_dict(plan)["days"]:
        step_volumes = sum(as_decimal(s["volume_ml"]) for s in shown["steps"])
        assert abs(step_volumes - as_decimal(shown["volume_ml"])) <= TOLERANCE_ML
        assert all(as_decimal(s["rate_mg_per_kg_min"]) <= cap for s in shown["steps"])
        assert all(as_decimal(s["rate_ml_per_hr"]) <= cap_ml_per_hr for s in shown["steps"])
        parts = [as_decimal(shown[key]) for key in ("pre_infusion_min", "infusion_min", "observation_min")]
        assert as_decimal(shown["visit_min"]) == sum(parts)


def as_decimal(number) -> Decimal:
    return Decimal(str(number))


@st.composite
def schedules(draw):
    """Random non-decreasing label/protocol schedules ending in an open-ended step."""
    rate = draw(st.decimals(min_value="0.1", max_value="3", places=2))
    schedule = []
    for _ in range(draw(st.integers(0, 8))):
        schedule.append(ScheduledRate(rate, draw(st.integers(1, 60)), "label"))
        rate += draw(st.decimals(min_value="0", max_value="4", places=2))
    schedule.append(ScheduledRate(rate, None, "label"))
    return tuple(schedule)


@PROPERTY
@given(
    schedule=schedules(),
    cap_mg_per_kg_min=st.decimals(min_value="0.2", max_value="16", places=1),
    weight_kg=st.decimals(min_value="3", max_value="250", places=1),
    concentration=st.sampled_from([Decimal(50), Decimal(100)]),
    volume_ml=st.decimals(min_value="1", max_value="4000", places=2),
    resolution=st.sampled_from([Decimal(1), Decimal("0.1")]),
)
def test_any_schedule_and_cap_gives_a_safe_ramp(schedule, cap_mg_per_kg_min, weight_kg, concentration, volume_ml, resolution):
    cap = RateCap(cap_mg_per_kg_min, "test cap", "test", max(s.rate_mg_per_kg_min for s in schedule))
    try:
        steps = build_ramp(schedule, cap, weight_kg=weight_kg, concentration_mg_per_ml=concentration,
                           volume_ml=volume_ml, pump_resolution_ml_per_hr=resolution)
    except ClinicalRuleViolation as refused:
        assert refused.code == "pump_rate_below_resolution"
        # Rates never decrease, so the first (clipped) rate is the one below the resolution.
        lowest = min(schedule[0].rate_mg_per_kg_min, cap_mg_per_kg_min)
        assert lowest * weight_kg * 60 / concentration < resolution
        return
    assert_ramp_properties(steps, cap_mg_per_kg_min=cap_mg_per_kg_min, weight_kg=weight_kg,
                           concentration=concentration, volume_ml=volume_ml)
    # Below the cap, the pump runs the schedule's rate (rounded down), never something else.
    for step, scheduled in zip(steps, schedule):
        assert step.rate_mg_per_kg_min == min(scheduled.rate_mg_per_kg_min, cap_mg_per_kg_min)
