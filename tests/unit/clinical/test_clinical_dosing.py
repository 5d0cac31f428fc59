"""Dosing weight (actual / adjusted) and rounding the daily dose, worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scheduler.clinical import InvalidPlanInput, PlanRequest, dosing_weight, ideal_body_weight_kg, load_catalog, plan_course, round_dose

D = Decimal
CATALOG = load_catalog()


def test_ideal_body_weight_devine_female():
    # 160 cm / 2.54 = 62.992 in; 2.992 in over 60 x 2.3 = 6.882; 45.5 + 6.882 = 52.382 kg
    assert ideal_body_weight_kg(D(160), "female").quantize(D("0.001")) == D("52.382")


def test_ideal_body_weight_devine_male():
    # 180 cm / 2.54 = 70.866 in; 10.866 x 2.3 = 24.992; 50 + 24.992 = 74.992 kg
    assert ideal_body_weight_kg(D(180), "male").quantize(D("0.001")) == D("74.992")


def test_adjusted_weight_used_when_bmi_over_30():
    # 160 cm, 103 kg: BMI 103 / 1.6^2 = 40.2 > 30. IBW 52.382;
    # 52.382 + 0.4 x (103 - 52.382) = 52.382 + 20.247 = 72.629 -> 72.6 kg
    weight = dosing_weight(D(103), policy="adjusted", height_cm=D(160), sex="female", age_years=D(40))
    assert weight.adjusted and weight.weight_kg == D("72.6")
    assert "BMI > 30" in weight.why and "72.6" in weight.why


def test_adjusted_weight_used_when_over_120_percent_of_ibw_with_bmi_under_30():
    # 190 cm male: 74.803 in; 14.803 x 2.3 = 34.047; IBW 84.047; 120 % = 100.857.
    # 105 kg: BMI 105 / 1.9^2 = 29.1 (not > 30) but 105 > 100.857.
    # 84.047 + 0.4 x (105 - 84.047) = 84.047 + 8.381 = 92.428 -> 92.4 kg
    weight = dosing_weight(D(105), policy="adjusted", height_cm=D(190), sex="male", age_years=D(50))
    assert weight.adjusted and weight.weight_kg == D("92.4")
    assert "120 %" in weight.why


def test_adjusted_policy_keeps_actual_weight_when_not_obese():
    # 180 cm male, 80 kg: BMI 24.7; 80 <= 1.2 x 74.992 = 89.99 -> actual
    weight = dosing_weight(D(80), policy="adjusted", height_cm=D(180), sex="male", age_years=D(30))
    assert not weight.adjusted and weight.weight_kg == D(80)


def test_never_adjusted_under_132_cm():
    # 130 cm, 60 kg: BMI 35.5 would trigger, but the height rule wins
    weight = dosing_weight(D(60), policy="adjusted", height_cm=D(130), sex="female", age_years=D(40))
    assert not weight.adjusted and weight.weight_kg == D(60) and "132" in weight.why


def test_never_adjusted_for_a_child():
    weight = dosing_weight(D(103), policy="adjusted", height_cm=D(160), sex="female", age_years=D(12))
    assert not weight.adjusted and weight.weight_kg == D(103) and "child" in weight.why


def test_actual_policy_ignores_obesity():
    weight = dosing_weight(D(103), policy="actual", height_cm=D(160), sex="female")
    assert not weight.adjusted and weight.weight_kg == D(103)


def test_adjusted_policy_needs_height_and_sex():
    with pytest.raises(InvalidPlanInput, match="height_cm and sex"):
        plan_course(CATALOG, PlanRequest("privigen", "itp", 103, 1, 2, weight_policy="adjusted"))


def test_plan_doses_on_the_adjusted_weight_and_says_so():
    plan = plan_course(CATALOG, PlanRequest("privigen", "itp", 103, 1, 2, height_cm=160, sex="f", weight_policy="adjusted"))
    # 1 g/kg x 72.6 kg = 72.6 g; at 100 mg/mL = 726 mL
    assert plan.dosing_weight_kg == D("72.6") and plan.days[0].dose_g == D("72.6")
    assert plan.days[0].volume_ml == D("726")
    assert [w.code for w in plan.warnings if w.code == "adjusted_weight_used"] == ["adjusted_weight_used"]


def test_round_to_5_g_within_10_percent():
    # 72.6 g -> nearest multiple of 5 is 75 (2.4 away vs 2.6); 2.4 / 72.6 = 3.3 %
    rounded = round_dose(D("72.6"), D(5), D(10))
    assert rounded.dose_g == D(75) and rounded.within_tolerance and rounded.changed


def test_round_ties_go_up():
    # 72.5 g is 2.5 from 70 and from 75: ties up -> 75
    assert round_dose(D("72.5"), D(5), D(10)).dose_g == D(75)


def test_round_refused_beyond_the_deviation_keeps_the_prescribed_dose():
    # 12 g -> nearest 10 g is a 16.7 % change, over 10 %: keep 12 g
    rounded = round_dose(D(12), D(5), D(10))
    assert rounded.dose_g == D(12) and not rounded.within_tolerance and "16.7 %" in rounded.why


def test_round_never_to_zero():
    rounded = round_dose(D(2), D(5), D(100))
    assert rounded.dose_g == D(2) and not rounded.within_tolerance


def test_plan_rounding_warns_with_the_change():
    # 73 kg x 1 g/kg = 73 g -> 75 g (2.7 %); Gamunex-C vials make 75 g exactly (40 + 20 + 10 + 5)
    plan = plan_course(CATALOG, PlanRequest("gamunex_c", "itp", 73, 1, 2, rounding=5))
    assert plan.days[0].dose_g == D(75) and plan.days[0].waste_g == 0
    assert [(v.size_g, v.count) for v in plan.days[0].vials] == [(40, 1), (20, 1), (10, 1), (5, 1)]
    assert [w.code for w in plan.warnings] == ["dose_rounded"]
    assert "2.7 %" in plan.warnings[0].message
