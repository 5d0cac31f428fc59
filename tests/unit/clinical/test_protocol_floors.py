"""Protocol floors: an organisation file cannot make the ramp faster than any label does."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.clinical import CatalogError, PlanRequest, load_catalog, plan_course
from scheduler.clinical.catalog import SHIPPED_PROTOCOL_PATH
from scheduler.clinical.protocol import MAX_STEP_FACTOR, MIN_STEP_DURATION_MIN

SHIPPED = SHIPPED_PROTOCOL_PATH.read_text()


def refused(tmp_path, text: str) -> CatalogError:
    path = tmp_path / "org.toml"
    path.write_text(text)
    with pytest.raises(CatalogError) as error:
        load_catalog(path)
    assert str(path) in str(error.value)
    return error.value


def test_ramp_reaching_the_maximum_at_minute_two_is_refused(tmp_path):
    # The file: initial 1 min, steps of 1 min, factor 4.
    text = SHIPPED.replace("initial_min = 30", "initial_min = 1").replace("step_min = 30", "step_min = 1") \
        .replace("step_factor = 2", "step_factor = 4")
    error = refused(tmp_path, text)
    assert error.field in {"ramp.initial_min", "ramp.step_min", "ramp.step_factor"}
    for fixed in (text.replace("step_factor = 4", "step_factor = 2"),
                  text.replace("step_factor = 4", "step_factor = 2").replace("step_min = 1", "step_min = 15")):
        assert refused(tmp_path, fixed).field in {"ramp.initial_min", "ramp.step_min"}


@pytest.mark.parametrize(("change", "field", "product"), [
    (lambda t: t.replace("initial_min = 30", "initial_min = 14"), "ramp.initial_min", None),
    (lambda t: t.replace("step_min = 30", "step_min = 10"), "ramp.step_min", None),
    (lambda t: t.replace("step_factor = 2", "step_factor = 2.5"), "ramp.step_factor", None),
    (lambda t: t.replace("rounding_max_deviation_pct = 10", "rounding_max_deviation_pct = 50"),
     "settings.rounding_max_deviation_pct", None),
    (lambda t: t + '\n[products.privigen.itp]\nsource = "protocol: order set"\nstep_min = 5\n',
     "products.privigen.itp.step_min", "privigen"),
    # Privigen ITP: label maximum 4 mg/kg/min, no label at-risk maximum: the protocol cap applies.
    (lambda t: t.replace("at_risk_max_rate_mg_per_kg_min = 3.3", "at_risk_max_rate_mg_per_kg_min = 5"),
     "ramp.at_risk_max_rate_mg_per_kg_min", "gammaplex_5"),
    (lambda t: t + '\n[products.privigen.itp]\nsource = "protocol: order set"\nat_risk_max_rate_mg_per_kg_min = 6\n',
     "products.privigen.itp.at_risk_max_rate_mg_per_kg_min", "privigen"),
])
def test_file_breaking_a_floor_is_refused_naming_file_product_and_field(tmp_path, change, field, product):
    error = refused(tmp_path, change(SHIPPED))
    assert error.field == field and error.product == product
    assert f"field '{field}'" in str(error)


def test_at_risk_cap_above_label_maximum_names_the_product_and_both_numbers(tmp_path):
    error = refused(tmp_path, SHIPPED.replace("at_risk_max_rate_mg_per_kg_min = 3.3", "at_risk_max_rate_mg_per_kg_min = 5"))
    assert "5" in error.problem and "4 mg/kg/min" in error.problem


def test_at_risk_cap_equal_to_label_maximum_is_accepted(tmp_path):
    path = tmp_path / "org.toml"
    path.write_text(SHIPPED.replace("at_risk_max_rate_mg_per_kg_min = 3.3", "at_risk_max_rate_mg_per_kg_min = 4"))
    assert load_catalog(path).protocol.ramp.at_risk_max_rate_mg_per_kg_min == 4


@settings(max_examples=40, deadline=None)
@given(initial_min=st.integers(MIN_STEP_DURATION_MIN, 120), step_min=st.integers(MIN_STEP_DURATION_MIN, 120),
       factor=st.decimals(min_value="1.1", max_value=str(MAX_STEP_FACTOR), places=1))
def test_any_accepted_protocol_climbs_no_faster_than_the_floors(tmp_path_factory, initial_min, step_min, factor):
    text = SHIPPED.replace("initial_min = 30", f"initial_min = {initial_min}") \
        .replace("step_min = 30", f"step_min = {step_min}").replace("step_factor = 2", f"step_factor = {factor}")
    path = tmp_path_factory.mktemp("p") / "org.toml"
    path.write_text(text)
    plan = plan_course(load_catalog(path), PlanRequest("privigen", "itp", 70, 1, 1))
    steps = plan.days[0].steps
    for before, after in zip(steps, steps[1:]):
        assert before.end_min - before.start_min >= MIN_STEP_DURATION_MIN
        assert after.rate_mg_per_kg_min <= before.rate_mg_per_kg_min * MAX_STEP_FACTOR
    assert steps[0].rate_mg_per_kg_min == Decimal("0.5")
