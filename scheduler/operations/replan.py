"""Live re-checks (issue 14): when a patient changes after booking, do the stored plans hold?

A booked visit keeps the plan it was booked with, so a catalog or weight change never silently
alters what the nurse infuses (models/visits.py). The other side of that promise: when the
patient changes in a way that matters to the plan -- weight beyond a set percentage, IgA
status, risk flags, age band (date of birth), allergies -- each of his booked visits is
re-evaluated against the patient as he now is. A visit whose plan no longer holds is marked
"needs re-plan" with the reason in words; the nurse's card and the dashboard show it, and
``start_infusion`` refuses it until the coordinator re-plans it, which is one action that keeps
the booking when the new visit length still fits and otherwise says what must move.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.clinical import ClinicalRuleViolation, InvalidPlanInput, load_catalog, plan_to_dict
from scheduler.models import Patient, Visit
from scheduler.operations import DomainError, NotFound
from scheduler.operations.access import record_change
from scheduler.operations.checks import require_staff
from scheduler.operations.plans import plan_for_order

# Patient fields whose change re-evaluates the stored plans.
RECHECK_FIELDS = {"iga_status", "iga_tested_on", "risk_renal", "risk_thrombotic", "risk_cardiac", "date_of_birth",
                  "allergies", "height_cm", "sex"}
# A newer weight moves the dose; within this share of the planned weight the booked plan stands
# (scales differ by a little, and a dose is not re-made for it). Organisation rule, not a label
# value: shipped as protocol, see docs/clinical-safety.md.
WEIGHT_CHANGE_REPLAN_PCT = Decimal("10")


def _booked_visits(session: Session, patient_id: int) -> list[Visit]:
    return list(session.scalars(
        select(Visit).options(selectinload(Visit.order)).where(Visit.patient_id == patient_id, Visit.status == "booked")
        .order_by(Visit.starts_at)))


def plan_problems(catalog, visit: Visit, patient: Patient, *, allergies_changed: bool = False) -> list[str]:
    """Why the visit's stored plan no longer holds for the patient as he now is; [] when it holds."""
    stored = visit.plan or {}
    if not stored.get("days"):
        return ["the visit has no stored plan"]
    on = visit.starts_at.astimezone(ZoneInfo(patient.timezone)).date()
    try:
        fresh = plan_to_dict(plan_for_order(catalog, visit.order, patient, on=on))
    except (ClinicalRuleViolation, InvalidPlanInput, DomainError) as exc:
        return [f"the plan is now refused: {getattr(exc, 'message', str(exc))}"]
    problems = []
    old_cap, new_cap = stored["cap"], fresh["cap"]
    if Decimal(str(new_cap["rate_mg_per_kg_min"])) != Decimal(str(old_cap["rate_mg_per_kg_min"])):
        problems.append(f"the rate cap is now {new_cap['rate_mg_per_kg_min']} mg/kg/min ({new_cap['reason']}), "
                        f"the plan used {old_cap['rate_mg_per_kg_min']} ({old_cap['reason']})")
    if fresh["request"]["iga_deficient_with_antibodies"] != stored.get("request", {}).get("iga_deficient_with_antibodies"):
        problems.append("the IgA status changed")
    old_kg, new_kg = Decimal(str(stored["dosing_weight_kg"])), Decimal(str(fresh["dosing_weight_kg"]))
    change_pct = abs(new_kg - old_kg) * 100 / old_kg
    if change_pct > WEIGHT_CHANGE_REPLAN_PCT:
        problems.append(f"the dosing weight is now {new_kg.normalize():f} kg, the plan used {old_kg.normalize():f} kg "
                        f"({change_pct.quantize(Decimal('1'))} % change; re-planned beyond {WEIGHT_CHANGE_REPLAN_PCT} %)")
    from scheduler.operations.safety import iga_result_known

    if not iga_result_known(patient) and not (visit.order.iga_ack_reason or "").strip():
        problems.append("no dated IgA result is recorded any more, and no clinician's acknowledgement")
    if allergies_changed:
        allergies = patient.allergies or "none"
        problems.append(f"the allergies changed (now: {allergies}); check them against {stored.get('product_name')}")
    return problems


@cache
def _shipped_catalog():
    return load_catalog()


def recheck_patient_visits(session: Session, patient: Patient, catalog, *, changed: set[str], actor,
                           now: datetime) -> list[Visit]:
    """Re-evaluate the patient's booked visits after a change; mark those whose plan no longer holds.

    ``catalog`` None: the shipped catalog (the web and the API pass the one the app runs with)."""
    if not (set(changed) & (RECHECK_FIELDS | {"weight"})):
        return []
    catalog = catalog or _shipped_catalog()
    marked = []
    for visit in _booked_visits(session, patient.id):
        problems = plan_problems(catalog, visit, patient, allergies_changed="allergies" in changed)
        if not problems:
            continue
        reason = "; ".join(problems)
        reason = reason[0].upper() + reason[1:] + ("" if reason.endswith(".") else ".")
        if visit.needs_replan_reason == reason:
            continue
        visit.needs_replan_reason = reason
        marked.append(visit)
        record_change(session, actor, object_type="visit", object_id=visit.id, patient_id=patient.id, now=now,
                      action="needs_replan", details={"reason": reason})
    session.flush()
    return marked


def visits_needing_replan(session: Session, *, now: datetime, limit: int = 50) -> list[Visit]:
    """Booked visits from now on marked "needs re-plan", soonest first: for the coordinator's dashboard
    (shared with the dashboard work of issue 16; render with templates/dashboard/_needs_replan.html)."""
    return list(session.scalars(
        select(Visit).options(selectinload(Visit.patient), selectinload(Visit.nurse))
        .where(Visit.status == "booked", Visit.needs_replan_reason != "", Visit.ends_at > now)
        .order_by(Visit.starts_at).limit(limit)))


def replan_visit(session: Session, visit_id: int, catalog, *, actor, now: datetime) -> list[Visit]:
    """Re-plan every booked visit of the visit's order from the patient as he now is.

    The booking is kept when each day's new length fits at its booked time (the nurse's other
    visits, hours and travel as booking checks them); otherwise nothing changes and the error
    says which day must move and why.
    """
    from scheduler.operations.safety import pre_booking_checks
    from scheduler.operations.visits import SchedulingConflict, _check, _lock_for_booking, update_day_travel, visit_changed

    require_staff(actor)
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise NotFound(f"No visit #{visit_id}.")
    if visit.status != "booked":
        raise DomainError(f"Visit #{visit.id} is {visit.status.replace('_', ' ')}; only booked visits are re-planned.")
    nurse, patient = _lock_for_booking(session, visit.nurse_id, visit.patient_id)
    order = visit.order
    visits = [v for v in _booked_visits(session, patient.id) if v.order_id == order.id]
    zone = ZoneInfo(patient.timezone)
    try:
        plan = plan_for_order(catalog, order, patient, on=visits[0].starts_at.astimezone(zone).date())
    except (ClinicalRuleViolation, InvalidPlanInput) as exc:
        raise DomainError(f"Cannot re-plan: {getattr(exc, 'message', str(exc))}") from None
    plan_json = plan_to_dict(plan)
    pre_booking_checks(order, patient, plan_json, catalog.settings.max_session_min)
    for each in visits:
        minutes = float(plan_json["days"][each.day_number - 1]["visit_min"])
        try:
            [proposal] = _check(session, order, each.nurse, patient, each.starts_at, [minutes], exclude_ids=[each.id],
                                window=False)
        except SchedulingConflict as exc:
            raise DomainError(f"Day {each.day_number} now needs {minutes / 60:.1f} h and no longer fits at "
                              f"{each.starts_at.astimezone(zone):%a %d %b %H:%M} ({zone.key}): {exc} "
                              "Reschedule that visit, then re-plan.") from None
        moved = proposal.ends_at != each.ends_at
        each.ends_at, each.plan, each.catalog_version = proposal.ends_at, plan_json, catalog.version
        each.needs_replan_reason = ""
        each.version += 1
        session.flush()
        if moved:
            update_day_travel(session, each.nurse, each.starts_at)
            visit_changed(session, each, "rescheduled", now=now)
        record_change(session, actor, object_type="visit", object_id=each.id, patient_id=patient.id, now=now,
                      action="replan", details={"ends_at": each.ends_at.isoformat(), "catalog_version": catalog.version})
    return visits
