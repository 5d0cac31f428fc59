"""The stored plan is read back through one typed value with a schema version."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scheduler.clinical import BookedPlan, PlanFormatError, PlanRequest, load_catalog, plan_course, plan_to_dict
from scheduler.clinical.booked import SCHEMA_VERSION
from scheduler.clinical.remaining import planned_ramp_from_plan

CATALOG = load_catalog()


def stored(**request) -> dict:
    values = dict(product_id="octagam_10", indication="itp", weight_kg=70, dose_g_per_kg=1, days=2)
    return plan_to_dict(plan_course(CATALOG, PlanRequest(**{**values, **request})))


def test_the_stored_plan_reads_back_with_its_numbers():
    data = stored(at_risk=True)
    plan = BookedPlan.from_dict(data)
    assert data["schema"] == plan.schema == SCHEMA_VERSION
    assert plan.product_id == "octagam_10" and len(plan.days) == 2 and plan.at_risk
    assert plan.cap_rate_mg_per_kg_min == Decimal(str(data["cap"]["rate_mg_per_kg_min"]))
    day = plan.day(2)
    assert day.day_number == 2 and day.visit_min == Decimal(str(data["days"][1]["visit_min"]))
    assert [s.rate_ml_per_hr for s in day.steps] == [Decimal(str(s["rate_ml_per_hr"])) for s in data["days"][1]["steps"]]
    assert plan.day(3) is None and plan.day(0) is None


def test_a_plan_stored_before_the_version_field_is_schema_1():
    data = stored()
    del data["schema"]
    assert BookedPlan.from_dict(data).schema == 1


@pytest.mark.parametrize("change", [
    lambda d: d.update(schema=2),
    lambda d: d.pop("cap"),
    lambda d: d["days"][0]["steps"][0].pop("rate_ml_per_hr"),
    lambda d: d.clear(),
])
def test_an_unknown_or_incomplete_plan_is_refused_not_guessed(change):
    data = stored()
    change(data)
    with pytest.raises(PlanFormatError):
        BookedPlan.from_dict(data)


def test_the_ramp_the_nurse_sees_never_exceeds_the_stored_cap():
    plan = BookedPlan.from_dict(stored(at_risk=True))
    ramp = planned_ramp_from_plan(plan, 1)
    assert max(step.rate_ml_per_hr for step in ramp.steps) <= ramp.cap_ml_per_hr
