"""Vital signs: which values are impossible (refused) and which deserve a second look (flagged).

These ranges are not label data (no IVIG label gives numbers; the labels say only "monitor
vital signs throughout the infusion", ivig-reference.md §5). They are the organisation's
plausibility and attention limits for adults, named here so they can be reviewed:

- PLAUSIBLE: outside these a value is a typing error (BP 400/20), never a patient at home.
  They match the database's check constraints on vital_signs (migration 0001), so the form
  refuses what the database would refuse, with a message instead of an error page.
- ATTENTION: common adult early-warning limits (the usual NEWS2-style thresholds); a value
  outside is stored, highlighted, and shown to the nurse as a reason to slow or stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# field: (label, unit, lowest plausible, highest plausible)
PLAUSIBLE = {
    "systolic_mmhg": ("Systolic BP", "mmHg", 40, 300),
    "diastolic_mmhg": ("Diastolic BP", "mmHg", 20, 200),
    "pulse_bpm": ("Pulse", "/min", 20, 250),
    "temperature_c": ("Temperature", "°C", 30, 45),
    "respiratory_rate": ("Respiratory rate", "/min", 4, 80),
    "spo2_pct": ("SpO2", "%", 50, 100),
}
# field: (low, high): a value below low or above high is flagged (adult early-warning limits).
ATTENTION = {
    "systolic_mmhg": (90, 180),
    "diastolic_mmhg": (50, 110),
    "pulse_bpm": (50, 120),
    "temperature_c": (Decimal("35.5"), Decimal("38.0")),
    "respiratory_rate": (10, 24),
    "spo2_pct": (92, 100),
}


@dataclass(frozen=True)
class VitalsCheck:
    errors: dict[str, str]  # field -> why the value is refused
    flags: dict[str, str]  # field -> why the value is highlighted


def check_vitals(values: dict[str, int | Decimal | float | None]) -> VitalsCheck:
    errors: dict[str, str] = {}
    flags: dict[str, str] = {}
    given = {name: value for name, value in values.items() if name in PLAUSIBLE and value is not None}
    if not given:
        return VitalsCheck({"__all__": "Enter at least one vital sign."}, {})
    for name, value in given.items():
        label, unit, low, high = PLAUSIBLE[name]
        if not low <= value <= high:
            errors[name] = f"{label} {value} {unit} is not possible; check the reading (accepted {low}–{high} {unit})."
            continue
        attention_low, attention_high = ATTENTION[name]
        if value < attention_low:
            flags[name] = f"{label} low ({value} {unit}, below {attention_low})"
        elif value > attention_high:
            flags[name] = f"{label} high ({value} {unit}, above {attention_high})"
    systolic, diastolic = given.get("systolic_mmhg"), given.get("diastolic_mmhg")
    if (systolic is None) != (diastolic is None):
        errors["diastolic_mmhg" if diastolic is None else "systolic_mmhg"] = "Enter both the systolic and the diastolic pressure."
    elif systolic is not None and "systolic_mmhg" not in errors and "diastolic_mmhg" not in errors and diastolic >= systolic:
        errors["diastolic_mmhg"] = f"Diastolic {diastolic} must be below systolic {systolic}; check the reading."
    return VitalsCheck(errors, flags)


def vitals_flags(row) -> dict[str, str]:
    """The highlights of a stored reading (any object with the vital-sign attributes)."""
    return check_vitals({name: getattr(row, name) for name in PLAUSIBLE}).flags
