"""Clinical checks around booking and starting (issue 14): what must be on record first.

- IgA before the first infusion: a dated serum IgA result, or a clinician's acknowledgement
  with a reason recorded on the order. Screening for IgA deficiency before the first dose is
  standard because the labels contraindicate IVIG in IgA-deficient patients with antibodies
  against IgA (ivig-reference.md §2); "unknown" must not plan silently.
- A day longer than the session limit is not booked with one click: the coordinator splits
  the course (a new regimen, which a prescriber must confirm) or records a reason on the order.

Hard stop vs override decisions are written up in docs/clinical-safety.md.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.clinical import BookedDay, BookedPlan
from scheduler.models import Patient, TherapyOrder
from scheduler.operations import DomainError
from scheduler.operations.access import record_change
from scheduler.operations.checks import require_staff
from scheduler.operations.orders import MAX_REASON, REASON_LABELS


class NeedsClinicalRecord(DomainError):
    """Booking or starting waits for something a clinician must record first."""


def iga_result_known(patient: Patient) -> bool:
    return patient.iga_status != "unknown" and patient.iga_tested_on is not None


def require_iga_result(order: TherapyOrder, patient: Patient) -> None:
    if iga_result_known(patient) or (order.iga_ack_reason or "").strip():
        return
    missing = "no IgA result is recorded" if patient.iga_status == "unknown" else "the IgA result has no test date"
    raise NeedsClinicalRecord(
        f"{patient.display_name}: {missing}. Serum IgA is checked before the first infusion; record the result and "
        "its date on the patient, or a clinician's acknowledgement with a reason on the order.")


def too_long_days(plan: dict, max_session_min: int) -> list[BookedDay]:
    return [day for day in BookedPlan.from_dict(plan).days if day.visit_min > max_session_min]


def require_session_fits(order: TherapyOrder, plan: dict, max_session_min: int) -> None:
    long_days = too_long_days(plan, max_session_min)
    if not long_days or (order.long_session_reason or "").strip():
        return
    longest = max(day.visit_min for day in long_days)
    days = ", ".join(str(day.day_number) for day in long_days)
    raise NeedsClinicalRecord(
        f"The visit of day {days} lasts {longest / 60:.1f} h, over the {max_session_min / 60:g}-h session limit. "
        "Split the course over more days (a new regimen: a prescriber must confirm it) or record on the order "
        "why this long day is booked as it is.")


def pre_booking_checks(order: TherapyOrder, patient: Patient, plan: dict, max_session_min: int) -> None:
    require_iga_result(order, patient)
    require_session_fits(order, plan, max_session_min)


def record_order_reasons(session: Session, order: TherapyOrder, reasons: dict[str, str], *, actor,
                         now: datetime) -> list[str]:
    """Set the order's reasons (prescriber override, IgA acknowledgement, long day); the names changed."""
    require_staff(actor)
    changed = []
    for name, label in REASON_LABELS.items():
        if name not in reasons:
            continue
        value = (reasons[name] or "").strip()
        if len(value) > MAX_REASON:
            raise DomainError(f"The {label} is too long: at most {MAX_REASON} characters.")
        if value != (getattr(order, name) or ""):
            setattr(order, name, value)
            changed.append(name)
    if "iga_ack_reason" in changed:
        order.iga_ack_by_id, order.iga_ack_at = (getattr(actor, "id", None), now) if order.iga_ack_reason else (None, None)
    session.flush()
    if changed:
        record_change(session, actor, object_type="order", object_id=order.id, patient_id=order.patient_id, now=now,
                      action="record_reasons", details={name: getattr(order, name) for name in changed})
    return changed


def split_order(session: Session, order: TherapyOrder, days: int, catalog, *, actor, now: datetime) -> TherapyOrder:
    """Spread the same course total over more days, so each day fits the session limit.

    A split is a new regimen (e.g. 1 g/kg x 2 becomes 0.67 g/kg x 3, which no label lists): the
    prescriber must confirm it, and where it leaves the label booking still asks for the
    prescriber's override (plan_course). The previous override reason no longer covers the new
    regimen and is cleared. Only an order with no active visit can be split.
    """
    from sqlalchemy import select

    from scheduler.models import Visit
    from scheduler.models.visits import ACTIVE_VISIT_STATUSES
    from scheduler.operations.orders import DAYS_RANGE

    require_staff(actor)
    if session.scalar(select(Visit.id).where(Visit.order_id == order.id, Visit.status.in_(ACTIVE_VISIT_STATUSES))
                      .limit(1)):
        raise DomainError("The order has booked visits: cancel them before splitting the course.")
    if not order.days < days <= DAYS_RANGE[1]:
        raise DomainError(f"Split over more days than now ({order.days}), at most {DAYS_RANGE[1]}.")
    before = f"{order.dose_g_per_kg:g} g/kg x {order.days} days"
    # Rounded DOWN to the column's 3 decimals, so the split never adds to the course total.
    order.dose_g_per_kg = math.floor(order.dose_g_per_kg * order.days / days * 1000) / 1000
    order.days = days
    order.prescriber_override_reason = ""
    session.flush()
    record_change(session, actor, object_type="order", object_id=order.id, patient_id=order.patient_id, now=now,
                  action="split", details={"before": before, "after": f"{order.dose_g_per_kg:g} g/kg x {days} days",
                                           "prescriber_must_confirm": True})
    return order
