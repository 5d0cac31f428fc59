"""A course plan as plain JSON-ready data.

This is what ``flask plan --json`` prints and what the app stores on each booked visit, with
the catalog version, so a later change of the catalog or protocol never alters a booked visit.
Displayed numbers are rounded for people and pumps: volumes to 0.1 mL, times to 0.1 min
(step ends rounded up, so a shown visit is never shorter than the infusion). Step volumes are
differences of the rounded running totals, so they still add up to the day's volume.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from scheduler.clinical.booked import SCHEMA_VERSION
from scheduler.clinical.plan import CoursePlan, DayPlan

TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


def plan_to_dict(plan: CoursePlan) -> dict:
    request = plan.request
    return {
        "schema": SCHEMA_VERSION,  # read back by BookedPlan.from_dict (booked.py)
        "product": plan.product_id,
        "product_name": plan.product_name,
        "indication": plan.indication,
        "weight_kg": number(plan.weight_kg),
        "dosing_weight_kg": number(plan.dosing_weight_kg),
        "dosing_weight_why": plan.dosing_weight_why,
        "rate_basis": plan.rate_basis,
        "weight_policy": plan.dosing.policy,
        "dose_g_per_kg": number(plan.dose_g_per_kg),
        "course_days": len(plan.days),
        "total_dose_g": number(plan.total_dose_g, HUNDREDTH),
        "concentration_mg_per_ml": number(plan.concentration_mg_per_ml),
        "pump_resolution_ml_per_hr": number(plan.pump_resolution_ml_per_hr),
        "cap": {
            "rate_mg_per_kg_min": number(plan.cap.rate_mg_per_kg_min),
            "reason": plan.cap.reason,
            "source": plan.cap.source,
            "label_max_rate_mg_per_kg_min": number(plan.cap.label_max_rate_mg_per_kg_min),
        },
        "request": {
            "at_risk": request.at_risk,
            "first_infusion": request.first_infusion,
            "product_switch": request.product_switch,
            "iga_deficient_with_antibodies": request.iga_deficient_with_antibodies,
            "rounding": request.rounding if request.rounding == "exact" else number(Decimal(str(request.rounding))),
        },
        "catalog_version": plan.catalog_version,
        "protocol": plan.protocol_name,
        "days": [_day(day) for day in plan.days],
        "warnings": [{"code": w.code, "message": w.message} for w in plan.warnings],
    }


def _day(day: DayPlan) -> dict:
    return {
        "day": day.day,
        "visit_date": day.visit_date.isoformat() if day.visit_date else None,
        "dose_g": number(day.dose_g, HUNDREDTH),
        "volume_ml": number(day.volume_ml, TENTH),
        "volume_ml_per_kg": number(day.volume_ml_per_kg, TENTH),
        "waste_g": number(day.waste_g, HUNDREDTH),
        "vials": [{"size_g": number(v.size_g), "count": v.count} for v in day.vials],
        "lots": [
            {"lot_number": a.lot_number, "size_g": number(a.size_g), "count": a.count,
             "expiry_date": a.expiry_date.isoformat()}
            for a in day.lots
        ],
        "steps": _steps(day),
        "pre_infusion_min": day.visit.pre_infusion_min,
        "infusion_min": number(day.infusion_min),
        "observation_min": day.visit.observation_min,
        "visit_min": number(day.visit_min),
    }


def _steps(day: DayPlan) -> list[dict]:
    shown = []
    start_min = Decimal(0)
    given_ml = Decimal(0)
    for step in day.steps:
        end_min = step.end_min.quantize(TENTH, rounding=ROUND_CEILING)
        cumulative_ml = step.cumulative_ml.quantize(TENTH, rounding=ROUND_HALF_UP)
        shown.append({
            "start_min": number(start_min),
            "end_min": number(end_min),
            "rate_mg_per_kg_min": number(step.rate_mg_per_kg_min),
            "rate_ml_per_hr": number(step.rate_ml_per_hr),
            "volume_ml": number(cumulative_ml - given_ml),
            "cumulative_ml": number(cumulative_ml),
            "source": step.source,
            "capped_by": step.capped_by,
        })
        start_min, given_ml = end_min, cumulative_ml
    return shown


def number(value: Decimal, places: Decimal | None = None) -> int | float:
    """A Decimal as a JSON number: an int when whole (80, not 80.0)."""
    if places is not None:
        value = value.quantize(places, rounding=ROUND_HALF_UP)
    return int(value) if value == value.to_integral_value() else float(value)
