"""Labelled population and regimens, volume cautions, and which weight the rates use."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.clinical import ClinicalRuleViolation, PlanRequest, load_catalog, plan_course, plan_to_dict

D = Decimal
CATALOG = load_catalog()
OVERRIDE = "Dr Kim, haematology: discussed off-label use with the family"


def codes(plan):
    return [w.code for w in plan.warnings]


def refusal(request: PlanRequest) -> ClinicalRuleViolation:
    with pytest.raises(ClinicalRuleViolation) as refused:
        plan_course(CATALOG, request)
    assert refused.value.code == "prescriber_override_required"
    return refused.value


# --- point 9: which weight ----------------------------------------------------------------

def test_plan_says_rates_use_the_adjusted_dosing_weight():
    # 160 cm female, 120 kg: IBW 52.4 kg, adjusted 52.4 + 0.4 x (120 - 52.4) = 79.4 kg.
    plan = plan_course(CATALOG, PlanRequest("gamunex_c", "itp", 120, 1, 2, height_cm=160, sex="f",
                                            weight_policy="adjusted"))
    assert plan.rate_basis == "mg/kg/min of dosing weight 79.4 kg, adjusted"
    assert plan_to_dict(plan)["rate_basis"] == plan.rate_basis


def test_plan_says_rates_use_the_actual_weight():
    plan = plan_course(CATALOG, PlanRequest("gamunex_c", "itp", 70, 1, 2))
    assert plan_to_dict(plan)["rate_basis"] == "mg/kg/min of dosing weight 70 kg, actual"


# --- point 1: population ------------------------------------------------------------------

def test_six_year_old_on_privigen_itp_needs_a_prescriber_override():
    error = refusal(PlanRequest("privigen", "itp", 20, 1, 2, age_years=6))
    assert "patients age 15 years and older" in error.message and "6 years old" in error.message
    plan = plan_course(CATALOG, PlanRequest("privigen", "itp", 20, 1, 2, age_years=6, prescriber_override_reason=OVERRIDE))
    [override] = [w for w in plan.warnings if w.code == "prescriber_override"]
    assert OVERRIDE in override.message and "15 years and older" in override.message


@pytest.mark.parametrize("product_id", ["octagam_10", "panzyga", "gammaplex_5"])
def test_child_on_adults_only_itp_indication_is_refused_without_override(product_id):
    assert "labelled for adults" in refusal(PlanRequest(product_id, "itp", 50, 1, 2, age_years=17)).message
    assert plan_course(CATALOG, PlanRequest(product_id, "itp", 50, 1, 2, age_years=18)).days


def test_fifteen_year_old_on_privigen_itp_is_within_the_label():
    plan = plan_course(CATALOG, PlanRequest("privigen", "itp", 50, 1, 2, age_years=15))
    assert "prescriber_override" not in codes(plan)


def test_indication_without_a_confirmed_population_plans_for_a_child():
    # Gamunex-C ITP: no age limit in the reference; nothing is invented.
    assert plan_course(CATALOG, PlanRequest("gamunex_c", "itp", 20, 1, 2, age_years=6)).days


# --- point 1: regimens --------------------------------------------------------------------

def test_ten_g_per_kg_course_is_refused_without_override():
    # The case: --dose-g-per-kg 1 --days 10.
    error = refusal(PlanRequest("gamunex_c", "itp", 70, 1, 10))
    assert "course of 10 g/kg is above the labelled total of 2 g/kg" in error.message
    assert "10 days is longer than any labelled regimen (5 days at most" in error.message


def test_gammaplex_low_dose_regimen_is_longer_than_its_label():
    # Gammaplex 5 %: only 1 g/kg x 2 days; 0.4 x 5 has the same total but five days.
    error = refusal(PlanRequest("gammaplex_5", "itp", 70, D("0.4"), 5))
    assert "5 days is longer than any labelled regimen (2 days at most" in error.message


def test_unlabelled_regimen_within_the_limits_only_warns():
    plan = plan_course(CATALOG, PlanRequest("gamunex_c", "itp", 70, D("0.5"), 3))
    [warning] = [w for w in plan.warnings if w.code == "unlabelled_regimen"]
    assert "0.5 g/kg x 3 day(s) is not a labelled regimen" in warning.message
    assert "1 g/kg x 2 days; 0.4 g/kg x 5 days" in warning.message


@pytest.mark.parametrize(("product_id", "dose", "days"), [
    ("gamunex_c", 1, 2), ("gamunex_c", D("0.4"), 5), ("privigen", 1, 2), ("octagam_10", 1, 2),
])
def test_labelled_regimens_plan_without_warning_or_override(product_id, dose, days):
    plan = plan_course(CATALOG, PlanRequest(product_id, "itp", 70, dose, days, age_years=40))
    assert not {"unlabelled_regimen", "prescriber_override"} & set(codes(plan))


@settings(max_examples=60, deadline=None)
@given(dose=st.decimals(min_value="0.1", max_value="2", places=2), days=st.integers(1, 10),
       product_id=st.sampled_from(["gamunex_c", "privigen", "octagam_10", "panzyga", "gammaplex_5"]))
def test_course_beyond_the_label_never_plans_without_a_reason(dose, days, product_id):
    rule = CATALOG.product(product_id).indication("itp")
    beyond = (dose * days > rule.labelled_total_max_g_per_kg or days > rule.labelled_max_days
              or dose > rule.labelled_max_daily_g_per_kg)
    try:
        plan = plan_course(CATALOG, PlanRequest(product_id, "itp", 70, dose, days, age_years=40))
    except ClinicalRuleViolation as refused:
        assert beyond and refused.code == "prescriber_override_required"
        overridden = plan_course(CATALOG, PlanRequest(product_id, "itp", 70, dose, days, age_years=40,
                                                      prescriber_override_reason=OVERRIDE))
        assert "prescriber_override" in codes(overridden)
        return
    assert not beyond and "prescriber_override" not in codes(plan)


# --- point 2: volume ----------------------------------------------------------------------

def test_plan_shows_ml_per_kg_of_actual_weight():
    # Gammaplex 5 % (50 mg/mL) at 130 kg, 1 g/kg: 2600 mL = 20 mL/kg.
    day = plan_to_dict(plan_course(CATALOG, PlanRequest("gammaplex_5", "itp", 130, 1, 2)))["days"][0]
    assert day["volume_ml"] == 2600 and day["volume_ml_per_kg"] == 20


@pytest.mark.parametrize("product_id", ["gamunex_c", "privigen", "gammaplex_5"])
def test_at_risk_patient_gets_the_label_volume_caution_with_numbers(product_id):
    plan = plan_course(CATALOG, PlanRequest(product_id, "itp", 80, 1, 2, at_risk=True))
    [warning] = [w for w in plan.warnings if w.code == "volume_caution"]
    assert "mL a day" in warning.message and "mL/kg of 80 kg" in warning.message and "high dose" in warning.message.lower().replace("-", " ")
    assert "volume_caution" not in codes(plan_course(CATALOG, PlanRequest(product_id, "itp", 80, 1, 2)))


def test_too_long_warning_says_a_split_needs_a_prescriber():
    # The case: Gammaplex 5 % at 130 kg, 2 g/kg in one day: 5.2 L, a visit of about 9.9 h.
    plan = plan_course(CATALOG, PlanRequest("gammaplex_5", "itp", 130, 2, 1, prescriber_override_reason=OVERRIDE))
    assert plan.days[0].volume_ml == 5200 and plan.days[0].visit_min > 9.5 * 60
    [warning] = [w for w in plan.warnings if w.code == "session_too_long"]
    assert "a prescriber must confirm it" in warning.message


def test_flask_plan_refuses_ten_days_without_an_override_and_plans_with_one():
    from click.testing import CliRunner

    from scheduler.cli.plan import EXIT_HARD_STOP, plan_command

    args = ["--product", "gamunex_c", "--indication", "itp", "--weight-kg", "70", "--dose-g-per-kg", "1", "--days", "10"]
    refused = CliRunner().invoke(plan_command, args)
    assert refused.exit_code == EXIT_HARD_STOP and "prescriber_override_required" in refused.output
    planned = CliRunner().invoke(plan_command, [*args, "--prescriber-override", "Dr Kim: refractory ITP", "--json"])
    assert planned.exit_code == 0 and "Dr Kim: refractory ITP" in planned.output
