"""The clinical plan of a therapy order for a patient, from the pure clinical core.

This is the one place that turns rows (patient, weight history, order) into the plain
values the clinical core takes; booking, the nurse's view and the demo data all call it.
"""

from __future__ import annotations

from datetime import date

from scheduler.clinical import PlanRequest, plan_course
from scheduler.models import Patient, TherapyOrder
from scheduler.operations import DomainError


class MissingWeight(DomainError):
    pass


def weight_on(patient: Patient, day: date) -> float:
    """The latest weight measured on or before `day`: a later measurement never rewrites
    a plan made earlier."""
    measured = [w for w in patient.weights if w.measured_on <= day]
    if not measured:
        raise MissingWeight(f"No weight recorded for {patient.display_name} on or before {day.isoformat()}.")
    return max(measured, key=lambda w: w.measured_on).weight_kg


def age_in_years(date_of_birth: date, on: date) -> int:
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


def plan_request_for(order: TherapyOrder, patient: Patient, *, on: date) -> PlanRequest:
    return PlanRequest(
        product_id=order.product_id,
        indication=order.indication,
        weight_kg=weight_on(patient, on),
        dose_g_per_kg=order.dose_g_per_kg,
        days=order.days,
        height_cm=patient.height_cm,
        sex=patient.sex,
        age_years=age_in_years(patient.date_of_birth, on),
        weight_policy=order.weight_policy,
        at_risk=patient.at_risk,
        iga_deficient_with_antibodies=patient.iga_status == "deficient_with_antibodies",
        first_infusion=order.first_infusion,
        product_switch=order.product_switch,
        rounding="exact" if order.rounding_g is None else str(order.rounding_g),
        prescriber_override_reason=order.prescriber_override_reason or "",
    )


def plan_for_order(catalog, order: TherapyOrder, patient: Patient, *, on: date):
    return plan_course(catalog, plan_request_for(order, patient, on=on))


def current_plan(catalog, order: TherapyOrder, patient: Patient, visits) -> dict:
    """The plan an order's coordinator and nurse go by: the one its booked visits carry
    (fixed at booking, so a later catalog or weight change never alters it), or, before
    booking, the plan the order would get today. Raises the clinical core's hard stops."""
    from scheduler.clinical import plan_to_dict

    active = [v for v in visits if v.status != "cancelled"]
    if active:
        return active[0].plan
    return plan_to_dict(plan_for_order(catalog, order, patient, on=order.earliest_start))
