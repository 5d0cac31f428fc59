"""Course plans: hard stops, warnings, visit length and the stored form."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from scheduler.clinical import ClinicalRuleViolation, InvalidPlanInput, PlanRequest, load_catalog, plan_course, plan_to_dict
from scheduler.clinical.catalog import SHIPPED_PROTOCOL_PATH

D = Decimal
CATALOG = load_catalog()


def codes(plan):
    return [w.code for w in plan.warnings]


@pytest.mark.parametrize("product_id", ["privigen", "gamunex_c", "panzyga", "bivigam"])
def test_iga_contraindication_is_a_hard_stop_naming_low_iga_products(product_id):
    indication = "pi" if product_id == "bivigam" else "itp"
    with pytest.raises(ClinicalRuleViolation) as refused:
        plan_course(CATALOG, PlanRequest(product_id, indication, 70, 1, 1, iga_deficient_with_antibodies=True))
    assert refused.value.code == "iga_contraindication"
    # Gammagard S/D has the lowest IgA of the catalog (< 1 ug/mL in a 5 % solution).
    # It cannot be planned here (rates unconfirmed), and the message says so.
    assert "gammagard_sd (< 1 ug/mL; not plannable here" in refused.value.message
    assert "privigen (<= 25 ug/mL)" in refused.value.message or product_id == "privigen"


def test_iga_unconfirmed_wording_is_refused_too():
    # Octagam 10 %: average 106 ug/mL, contraindication wording not confirmed by the reference.
    with pytest.raises(ClinicalRuleViolation, match="no confirmed IgA contraindication") as refused:
        plan_course(CATALOG, PlanRequest("octagam_10", "itp", 70, 1, 1, iga_deficient_with_antibodies=True))
    assert refused.value.code == "iga_contraindication"


def test_iga_flag_off_plans_normally():
    assert plan_course(CATALOG, PlanRequest("privigen", "itp", 70, 1, 1)).days


@pytest.mark.parametrize(("change", "message"), [
    ({"weight_kg": 0}, "weight_kg"),
    ({"weight_kg": 500}, "weight_kg"),
    ({"weight_kg": "eighty"}, "weight_kg must be a number"),
    ({"weight_kg": True}, "weight_kg must be a number"),
    ({"dose_g_per_kg": -1}, "dose_g_per_kg"),
    ({"dose_g_per_kg": 3}, "dose_g_per_kg"),
    ({"days": 0}, "days"),
    ({"days": 11}, "days"),
    ({"sex": "x", "height_cm": 160}, "sex"),
    ({"height_cm": 20}, "height_cm"),
    ({"weight_policy": "ideal"}, "weight_policy"),
    ({"rounding": "five"}, "rounding must be 'exact'"),
    ({"pump_resolution_ml_per_hr": "0.5"}, "pump_resolution_ml_per_hr"),
    ({"indication": "cidp"}, "no 'cidp' indication"),
    ({"product_id": "nope"}, "unknown product"),
])
def test_bad_input_is_refused_with_a_clear_message(change, message):
    fields = {"product_id": "privigen", "indication": "itp", "weight_kg": 70, "dose_g_per_kg": 1, "days": 2} | change
    with pytest.raises(InvalidPlanInput, match=message):
        plan_course(CATALOG, PlanRequest(**fields))


def test_observation_is_longer_on_the_first_day_of_a_first_infusion():
    plan = plan_course(CATALOG, PlanRequest("gamunex_c", "itp", 70, 1, 2, first_infusion=True))
    assert [day.visit.observation_min for day in plan.days] == [60, 30]
    assert plan.days[0].visit_min - plan.days[1].visit_min == 30


def test_product_switch_also_gets_the_long_observation():
    plan = plan_course(CATALOG, PlanRequest("gamunex_c", "itp", 70, D("0.4"), 1, product_switch=True))
    assert plan.days[0].visit.observation_min == 60


def test_visit_is_pre_infusion_plus_infusion_plus_observation(tmp_path):
    # An organisation with 45 min pre-infusion and 20 min observation.
    path = tmp_path / "protocol.toml"
    path.write_text(SHIPPED_PROTOCOL_PATH.read_text()
                    .replace("pre_infusion_min = 30", "pre_infusion_min = 45")
                    .replace("observation_min = 30", "observation_min = 20"))
    day = plan_course(load_catalog(path), PlanRequest("gamunex_c", "itp", 70, 1, 1)).days[0]
    assert (day.visit.pre_infusion_min, day.visit.observation_min) == (45, 20)
    assert day.visit_min == 45 + day.infusion_min + 20


def test_session_too_long_suggests_a_split_that_fits():
    plan = plan_course(CATALOG, PlanRequest("octagam_10", "itp", 80, 1, 1, at_risk=True))
    warning = next(w for w in plan.warnings if w.code == "session_too_long")
    assert "396.5" in warning.message and "360" in warning.message
    assert "split the course over 2 days" in warning.message
    # And the suggestion is true: 0.5 g/kg x 2 days fits in the session.
    split = plan_course(CATALOG, PlanRequest("octagam_10", "itp", 80, D("0.5"), 2, at_risk=True))
    assert all(day.visit_min <= 360 for day in split.days)
    assert "session_too_long" not in codes(split)


def test_no_session_warning_when_the_visit_fits():
    plan = plan_course(CATALOG, PlanRequest("octagam_10", "itp", 80, 1, 1))
    assert plan.days[0].visit_min <= 360 and "session_too_long" not in codes(plan)


@pytest.mark.parametrize(("product_id", "excipient"), [
    ("octagam_10", "maltose"), ("privigen", "proline"), ("flebogamma_10_dif", "sorbitol"), ("gammaplex_5", "sorbitol"),
])
def test_excipient_notes_are_warnings(product_id, excipient):
    plan = plan_course(CATALOG, PlanRequest(product_id, "itp", 50, D("0.4"), 1))
    assert any(w.code == "excipient" and excipient in w.message for w in plan.warnings)


def test_dose_above_the_label_daily_dose_needs_a_prescriber_override():
    # Privigen ITP label: 1 g/kg per day; 2 g/kg in one day is above it.
    with pytest.raises(ClinicalRuleViolation, match="2 g/kg per day is above the label's 1 g/kg per day") as refused:
        plan_course(CATALOG, PlanRequest("privigen", "itp", 50, 2, 1))
    assert refused.value.code == "prescriber_override_required"
    plan = plan_course(CATALOG, PlanRequest("privigen", "itp", 50, 2, 1, prescriber_override_reason="Dr Kim: one-day course"))
    assert "prescriber_override" in codes(plan)
    assert "prescriber_override" not in codes(plan_course(CATALOG, PlanRequest("privigen", "itp", 50, 1, 2)))


def test_tiny_patient_below_pump_resolution_is_a_hard_stop_with_the_fix():
    # Privigen 0.5 mg/kg/min x 3 kg x 60 / 100 = 0.9 mL/hr: below 1 mL/hr, fine at 0.1 mL/hr
    with pytest.raises(ClinicalRuleViolation, match="finer pump resolution"):
        plan_course(CATALOG, PlanRequest("privigen", "itp", 3, 1, 1))
    plan = plan_course(CATALOG, PlanRequest("privigen", "itp", 3, 1, 1, pump_resolution_ml_per_hr="0.1"))
    assert plan.days[0].steps[0].rate_ml_per_hr == D("0.9")


def test_stored_plan_is_json_and_carries_the_catalog_version():
    plan = plan_course(CATALOG, PlanRequest("octagam_10", "itp", 80, 1, 2, at_risk=True))
    stored = json.loads(json.dumps(plan_to_dict(plan)))
    assert stored["catalog_version"] == CATALOG.version == plan.catalog_version
    assert stored["product"] == "octagam_10" and stored["indication"] == "itp"
    assert stored["weight_kg"] == 80 and stored["dosing_weight_kg"] == 80
    assert [day["day"] for day in stored["days"]] == [1, 2]
    assert stored["cap"]["rate_mg_per_kg_min"] == 3.3
    assert {"code", "message"} == set(stored["warnings"][0])


def test_stored_step_volumes_add_up_after_rounding_for_display():
    # Gammagard Liquid 0.8 mg/kg/min at 77 kg = 36 mL/hr ... volumes with many decimals
    plan = plan_course(CATALOG, PlanRequest("gammagard_liquid", "pi", D("77.3"), D("0.37"), 1))
    day = plan_to_dict(plan)["days"][0]
    assert round(sum(D(str(s["volume_ml"])) for s in day["steps"]), 1) == D(str(day["volume_ml"]))
    assert day["steps"][-1]["end_min"] == day["infusion_min"]
