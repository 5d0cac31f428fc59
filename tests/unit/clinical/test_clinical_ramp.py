"""Worked ramp examples, computed by hand from the labels (arithmetic in each comment).

Pump rate mL/hr = mg/kg/min x kg x 60 / (mg/mL), rounded DOWN to the pump resolution.
Step volume mL = mL/hr x min / 60.
"""

from __future__ import annotations

from decimal import Decimal

from scheduler.clinical import PlanRequest, load_catalog, plan_course, pump_rate_ml_per_hr

D = Decimal
CATALOG = load_catalog()


def day_one(product_id, indication, weight_kg, dose_g_per_kg, **options):
    plan = plan_course(CATALOG, PlanRequest(product_id, indication, weight_kg, dose_g_per_kg, 1, **options))
    return plan, plan.days[0]


def table(day):
    return [(s.start_min, s.end_min.quantize(D("0.01")), s.rate_mg_per_kg_min, s.rate_ml_per_hr, s.volume_ml.quantize(D("0.01")))
            for s in day.steps]


def test_octagam_itp_80_kg_label_ramp():
    # 80 kg, 1 g/kg = 80 g = 800 mL at 100 mg/mL. Label: 30 min each at 1, 2, 4, 8, then 12.
    # 1 x 80 x 60 / 100 = 48 mL/hr x 30 min = 24 mL       (0-30)
    # 2 -> 96 mL/hr x 30 = 48 mL                            (30-60, total 72)
    # 4 -> 192 mL/hr x 30 = 96 mL                           (60-90, total 168)
    # 8 -> 384 mL/hr x 30 = 192 mL                          (90-120, total 360)
    # 12 -> 576 mL/hr for the last 440 mL: 440 / 576 x 60 = 45.83 min (120-165.83)
    # infusion 165.9 min (rounded up); visit 30 + 165.9 + 30 = 225.9 min
    plan, day = day_one("octagam_10", "itp", 80, 1)
    assert table(day) == [
        (0, D("30.00"), 1, 48, D("24.00")),
        (30, D("60.00"), 2, 96, D("48.00")),
        (60, D("90.00"), 4, 192, D("96.00")),
        (90, D("120.00"), 8, 384, D("192.00")),
        (120, D("165.83"), 12, 576, D("440.00")),
    ]
    assert day.infusion_min == D("165.9") and day.visit_min == D("225.9")
    assert [(v.size_g, v.count) for v in day.vials] == [(30, 2), (20, 1)]


def test_octagam_itp_80_kg_at_risk_is_the_issue_example():
    # At-risk cap 3.3 mg/kg/min (Octagam label): 3.3 x 80 x 60 / 100 = 158.4 -> 158 mL/hr.
    # 0-30 at 48 mL/hr = 24 mL; 30-60 at 96 = 48 mL (72 mL given);
    # the 4, 8 and 12 steps are all clipped to 3.3 and merge: 728 mL / 158 x 60 = 276.46 min.
    # infusion 60 + 276.46 = 336.46 -> 336.5; visit 30 + 336.5 + 30 = 396.5 (> 360: warning)
    plan, day = day_one("octagam_10", "itp", 80, 1, at_risk=True)
    assert table(day) == [
        (0, D("30.00"), 1, 48, D("24.00")),
        (30, D("60.00"), 2, 96, D("48.00")),
        (60, D("336.46"), D("3.3"), 158, D("728.00")),
    ]
    assert day.steps[-1].capped_by == "at-risk maximum (label)"
    assert day.infusion_min == D("336.5") and day.visit_min == D("396.5")
    assert {w.code for w in plan.warnings} >= {"at_risk_cap_applied", "session_too_long", "excipient"}


def test_privigen_itp_70_kg_protocol_ramp_to_label_maximum_4():
    # Label: 0.5 initial, max 4 (no duration, no steps): protocol 30 min, doubling every 30 min.
    # 0.5 x 70 x 0.6 = 21 mL/hr x 30 = 10.5 mL; 1 -> 42 x 30 = 21 mL; 2 -> 84 x 30 = 42 mL
    # (73.5 mL by 90 min); 4 -> 168 mL/hr for 700 - 73.5 = 626.5 mL: 626.5 / 168 x 60 = 223.75 min
    # infusion 90 + 223.75 = 313.75 -> 313.8 min
    _, day = day_one("privigen", "itp", 70, 1)
    assert table(day) == [
        (0, D("30.00"), D("0.5"), 21, D("10.50")),
        (30, D("60.00"), 1, 42, D("21.00")),
        (60, D("90.00"), 2, 84, D("42.00")),
        (90, D("313.75"), 4, 168, D("626.50")),
    ]
    assert day.infusion_min == D("313.8")


def test_gammaplex_5_percent_uses_50_mg_per_ml_and_15_minute_steps():
    # 60 kg, 1 g/kg = 60 g at 50 mg/mL = 1200 mL. Steps every 15 min (label), doubling (protocol).
    # 0.5 x 60 x 60 / 50 = 36 mL/hr x 15 = 9 mL; 1 -> 72 x 15 = 18; 2 -> 144 x 15 = 36 (63 mL by 45)
    # 4 -> 288 mL/hr for 1137 mL: 1137 / 288 x 60 = 236.875 min -> ends at 281.875 -> 281.9
    _, day = day_one("gammaplex_5", "itp", 60, 1)
    assert table(day) == [
        (0, D("15.00"), D("0.5"), 36, D("9.00")),
        (15, D("30.00"), 1, 72, D("18.00")),
        (30, D("45.00"), 2, 144, D("36.00")),
        (45, D("281.88"), 4, 288, D("1137.00")),
    ]
    assert day.volume_ml == 1200 and day.infusion_min == D("281.9")


def test_bivigam_pi_label_increment_of_0_8_every_20_minutes():
    # 50 kg, 0.5 g/kg = 25 g = 250 mL. Label: 0.5 for 10 min, +0.8 every 20 min up to 6.
    # 0.5 -> 15 mL/hr x 10 = 2.5; 1.3 -> 39 x 20 = 13 (15.5); 2.1 -> 63 -> 21 (36.5);
    # 2.9 -> 87 -> 29 (65.5); 3.7 -> 111 -> 37 (102.5); 4.5 -> 135 -> 45 (147.5);
    # 5.3 -> 159 -> 53 (200.5); 6 -> 180 mL/hr for 49.5 mL = 16.5 min. Total 10 + 120 + 16.5 = 146.5
    # Vials: only 10 g confirmed -> 3 x 10 g, 5 g waste
    _, day = day_one("bivigam", "pi", 50, D("0.5"))
    assert [s.rate_mg_per_kg_min for s in day.steps] == [D(x) for x in ("0.5", "1.3", "2.1", "2.9", "3.7", "4.5", "5.3", "6")]
    assert [s.rate_ml_per_hr for s in day.steps] == [15, 39, 63, 87, 111, 135, 159, 180]
    assert day.steps[-1].volume_ml == D("49.5") and day.infusion_min == D("146.5")
    assert [(v.size_g, v.count) for v in day.vials] == [(10, 3)] and day.waste_g == 5


def test_pump_rate_is_rounded_down_never_to_nearest():
    # Gammagard Liquid 0.8 mg/kg/min, 77 kg: 0.8 x 77 x 60 / 100 = 36.96 mL/hr
    # -> 36 at 1 mL/hr resolution (nearest would be 37, above the rate), 36.9 at 0.1 mL/hr
    assert pump_rate_ml_per_hr(D("0.8"), D(77), D(100), D(1)) == 36
    assert pump_rate_ml_per_hr(D("0.8"), D(77), D(100), D("0.1")) == D("36.9")
    _, day = day_one("gammagard_liquid", "pi", 77, D("0.4"), pump_resolution_ml_per_hr="0.1")
    assert day.steps[0].rate_ml_per_hr == D("36.9")


def test_panzyga_at_risk_label_cap_3_3():
    # Panzyga ITP at risk: label "Do not exceed 3.3 mg/kg/min". 70 kg:
    # 1 -> 42 mL/hr (30 min, label); 2 -> 84 (protocol); 4 clipped to 3.3 -> 3.3 x 70 x 0.6 = 138.6 -> 138
    plan, day = day_one("panzyga", "itp", 70, 1, at_risk=True)
    assert [s.rate_ml_per_hr for s in day.steps] == [42, 84, 138]
    assert plan.cap.reason == "at-risk maximum (label)"


def test_minimum_practicable_labels_use_the_protocol_at_risk_cap():
    # Gamunex-C says only "minimum infusion rate practicable": protocol cap 3.3 mg/kg/min.
    # 70 kg: 1 -> 42, 2 -> 84, then 3.3 -> 138.6 -> 138 mL/hr (the label would go to 8 -> 336)
    plan, day = day_one("gamunex_c", "itp", 70, 1, at_risk=True)
    assert plan.cap.reason == "at-risk cap (protocol)" and plan.cap.source == "protocol"
    assert [s.rate_ml_per_hr for s in day.steps] == [42, 84, 138]
    assert day.steps[-1].capped_by == "at-risk cap (protocol)"
    warning = next(w for w in plan.warnings if w.code == "at_risk_cap_applied")
    assert "3.3" in warning.message and "protocol" in warning.message


def test_not_at_risk_reaches_the_label_maximum():
    plan, day = day_one("gamunex_c", "itp", 70, 1)
    # 8 x 70 x 0.6 = 336 mL/hr
    assert day.steps[-1].rate_ml_per_hr == 336 and plan.cap.reason == "label maximum"
    assert not [w for w in plan.warnings if w.code == "at_risk_cap_applied"]
