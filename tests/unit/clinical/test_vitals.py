"""Vital signs: impossible values refused, unusual ones flagged."""

from __future__ import annotations

from decimal import Decimal

from scheduler.clinical.vitals import check_vitals


def test_bp_400_over_20_is_refused_with_the_reason():
    check = check_vitals({"systolic_mmhg": 400, "diastolic_mmhg": 20})
    assert "not possible" in check.errors["systolic_mmhg"]


def test_a_fever_is_stored_but_flagged():
    check = check_vitals({"temperature_c": Decimal("38.6"), "pulse_bpm": 88})
    assert not check.errors
    assert set(check.flags) == {"temperature_c"}


def test_diastolic_above_systolic_and_a_lone_pressure_are_refused():
    assert "below systolic" in check_vitals({"systolic_mmhg": 80, "diastolic_mmhg": 90}).errors["diastolic_mmhg"]
    assert "both" in check_vitals({"systolic_mmhg": 120}).errors["diastolic_mmhg"]


def test_an_empty_reading_is_refused():
    assert check_vitals({"pulse_bpm": None}).errors
