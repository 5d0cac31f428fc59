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

from datetime import datetime

from sqlalchemy.orm import Session

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


def too_long_days(plan: dict, max_session_min: int) -> list[dict]:
    return [day for day in plan["days"] if day["visit_min"] > max_session_min]


def require_session_fits(order: TherapyOrder, plan: dict, max_session_min: int) -> None:
    long_days = too_long_days(plan, max_session_min)
    if not long_days or (order.long_session_reason or "").strip():
        return
    longest = max(day["visit_min"] for day in long_days)
    days = ", ".join(str(day["day"]) for day in long_days)
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
