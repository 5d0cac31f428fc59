"""Dosing weight and the daily dose in grams.

Weight policy (ivig-reference.md §3): the labels dose on body weight; using an adjusted
weight in obesity is prescriber/institution policy, so it is applied only when the order asks
for it (``policy="adjusted"``), and then only where the published rule applies:

- ideal body weight (Devine): 50 kg (male) / 45.5 kg (female) + 2.3 kg per inch over 60 in;
- dose-determining weight = IBW + 0.4 x (actual - IBW);
- only when BMI > 30 kg/m2 or actual weight > 120 % of IBW;
- never for patients under 132 cm tall, nor for children ("Use actual body weight for patients
  under 132cm tall and Paediatric patients", UK request form quoted in §3).

The result always says which weight was used and why, so the nurse and pharmacist can check.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

CM_PER_INCH = Decimal("2.54")
DEVINE_BASE_KG = {"male": Decimal("50"), "female": Decimal("45.5")}
DEVINE_KG_PER_INCH_OVER_60 = Decimal("2.3")
ADJUSTMENT_FACTOR = Decimal("0.4")
BMI_TRIGGER_KG_PER_M2 = Decimal("30")
IBW_TRIGGER_RATIO = Decimal("1.2")
MIN_HEIGHT_FOR_ADJUSTMENT_CM = Decimal("132")
ADULT_AGE_YEARS = 18
WEIGHT_STEP_KG = Decimal("0.1")


@dataclass(frozen=True)
class DosingWeight:
    """The weight doses and rates are computed from, and why it was chosen."""

    weight_kg: Decimal
    actual_weight_kg: Decimal
    policy: str
    adjusted: bool
    why: str
    ideal_weight_kg: Decimal | None = None
    bmi_kg_per_m2: Decimal | None = None


@dataclass(frozen=True)
class RoundedDose:
    dose_g: Decimal
    prescribed_dose_g: Decimal
    within_tolerance: bool  # False: rounding would move the dose too far, prescribed dose kept
    deviation_pct: Decimal
    why: str

    @property
    def changed(self) -> bool:
        return self.dose_g != self.prescribed_dose_g


def ideal_body_weight_kg(height_cm: Decimal, sex: str) -> Decimal:
    """Devine formula. Below 60 in nothing is subtracted: the formula counts inches *over* 60."""
    inches_over_60 = max(Decimal(0), height_cm / CM_PER_INCH - 60)
    return DEVINE_BASE_KG[sex] + DEVINE_KG_PER_INCH_OVER_60 * inches_over_60


def body_mass_index(weight_kg: Decimal, height_cm: Decimal) -> Decimal:
    height_m = height_cm / 100
    return weight_kg / (height_m * height_m)


def dosing_weight(
    actual_weight_kg: Decimal,
    *,
    policy: str,
    height_cm: Decimal | None = None,
    sex: str | None = None,
    age_years: Decimal | None = None,
) -> DosingWeight:
    actual = DosingWeight(actual_weight_kg, actual_weight_kg, policy, False, "actual weight (policy: actual)")
    if policy == "actual":
        return actual
    # policy == "adjusted": the caller has checked height and sex are given.
    if age_years is not None and age_years < ADULT_AGE_YEARS:
        return _keep_actual(actual, f"actual weight: a child ({age_years} y) is dosed on actual weight")
    if height_cm < MIN_HEIGHT_FOR_ADJUSTMENT_CM:
        return _keep_actual(actual, f"actual weight: height {height_cm} cm is under {MIN_HEIGHT_FOR_ADJUSTMENT_CM} cm")
    ibw_kg = ideal_body_weight_kg(height_cm, sex)
    bmi = body_mass_index(actual_weight_kg, height_cm)
    shown = f"IBW {_one_decimal(ibw_kg)} kg, BMI {_one_decimal(bmi)}"
    obese = bmi > BMI_TRIGGER_KG_PER_M2 or actual_weight_kg > IBW_TRIGGER_RATIO * ibw_kg
    if not obese:
        return _keep_actual(actual, f"actual weight: BMI <= 30 and weight <= 120 % of IBW ({shown})", ibw_kg, bmi)
    adjusted_kg = _one_decimal(ibw_kg + ADJUSTMENT_FACTOR * (actual_weight_kg - ibw_kg))
    age_note = "" if age_years is not None else "; age not given, adult assumed"
    trigger = "BMI > 30" if bmi > BMI_TRIGGER_KG_PER_M2 else "weight > 120 % of IBW"
    return DosingWeight(
        weight_kg=adjusted_kg,
        actual_weight_kg=actual_weight_kg,
        policy=policy,
        adjusted=True,
        why=f"adjusted weight: {trigger} ({shown}); IBW + 0.4 x (actual - IBW) = {adjusted_kg} kg{age_note}",
        ideal_weight_kg=_one_decimal(ibw_kg),
        bmi_kg_per_m2=_one_decimal(bmi),
    )


def _keep_actual(actual: DosingWeight, why: str, ibw_kg: Decimal | None = None, bmi: Decimal | None = None) -> DosingWeight:
    return DosingWeight(
        actual.weight_kg, actual.actual_weight_kg, actual.policy, False, why,
        _one_decimal(ibw_kg) if ibw_kg is not None else None,
        _one_decimal(bmi) if bmi is not None else None,
    )


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(WEIGHT_STEP_KG, rounding=ROUND_HALF_UP)


def round_dose(prescribed_dose_g: Decimal, multiple_g: Decimal, max_deviation_pct: Decimal) -> RoundedDose:
    """The nearest multiple of ``multiple_g`` (ties up), kept only within the allowed deviation.

    Rounding to whole vials is practice, not label (payer/HOPA "within 10 %", §3): beyond the
    tolerance the prescribed dose stands and the plan says so.
    """
    below = (prescribed_dose_g / multiple_g).to_integral_value(rounding=ROUND_FLOOR) * multiple_g
    above = below + multiple_g
    nearest = below if prescribed_dose_g - below < above - prescribed_dose_g else above
    deviation_pct = abs(nearest - prescribed_dose_g) * 100 / prescribed_dose_g
    shown_pct = deviation_pct.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if nearest > 0 and deviation_pct <= max_deviation_pct:
        return RoundedDose(
            nearest, prescribed_dose_g, True, deviation_pct,
            f"{prescribed_dose_g} g rounded to {nearest} g (nearest {multiple_g} g, {shown_pct} % change)",
        )
    return RoundedDose(
        prescribed_dose_g, prescribed_dose_g, False, deviation_pct,
        f"{prescribed_dose_g} g kept: the nearest {multiple_g} g ({nearest} g) would change the dose by "
        f"{shown_pct} %, more than the {max_deviation_pct} % allowed",
    )
