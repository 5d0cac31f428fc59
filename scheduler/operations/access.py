"""Who may reach which patient and which visit: the object-level rules, in one place.

Admins and coordinators reach every patient. A nurse reaches a patient only through a
visit assigned to her, and only while that visit is near (NURSE_ACCESS_BEFORE /
NURSE_ACCESS_AFTER). A patient reaches only his own record (Patient.user_id).

The rules are SQL conditions, so lists and searches filter in the query instead of after
loading, and a single object is looked up through the same condition. A nurse or patient
asking for an object outside their reach gets NotFound, exactly as for an id that does not
exist: they may not learn that it exists. The exception carries what the web layer needs
to audit the refusal.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, false, select, true
from sqlalchemy.orm import Session

from scheduler.models import Nurse, Patient, Visit
from scheduler.models.visits import MAX_VISIT_DURATION
from scheduler.operations import AccessDenied, NotFound
from scheduler.operations import audit

# A nurse prepares a visit (plan, labs, route) up to a week ahead, and after it finishes
# documentation, amendments and the post-infusion platelet draws (up to day 7, see
# DESIGN.md) keep her involved for about two weeks. Outside that window the patient is
# not hers to look at.
NURSE_ACCESS_BEFORE = timedelta(days=7)
NURSE_ACCESS_AFTER = timedelta(days=14)

# The office: they reach every patient and make every booking. Defined here once; the views'
# decorators and the operations' own checks both read it.
STAFF = ("admin", "coordinator")
ROLE_PLURALS = {"admin": "admins", "coordinator": "coordinators", "nurse": "nurses", "patient": "patients"}


def require_role(actor, roles: tuple[str, ...], *, doing: str) -> None:
    """Every writing operation calls this first, so the view's decorator is not the only guard
    (an API route, a command or a future page reaches the same function). `actor=None` is the
    system acting for the operator: a `flask` command, the demo data, the worker."""
    if actor is not None and getattr(actor, "role", None) not in roles:
        raise AccessDenied(f"Only {' and '.join(ROLE_PLURALS[r] for r in roles)} may {doing}.")


def _nurse_visit_condition(actor, now: datetime) -> ColumnElement[bool]:
    # Her own, not cancelled, and now within [starts - BEFORE, ends + AFTER].
    return and_(
        Visit.nurse_id.in_(select(Nurse.id).where(Nurse.user_id == actor.id)),
        Visit.status != "cancelled",
        Visit.starts_at <= now + NURSE_ACCESS_BEFORE,
        Visit.ends_at >= now - NURSE_ACCESS_AFTER,
        # Implied by the line above; bounds the index scan on starts_at (models/visits.py).
        Visit.starts_at > now - NURSE_ACCESS_AFTER - MAX_VISIT_DURATION,
    )


def patient_scope(actor, *, now: datetime) -> ColumnElement[bool]:
    """A condition on Patient selecting exactly the patients the actor may see."""
    role = getattr(actor, "role", None)
    if role in STAFF:
        return true()
    if role == "nurse":
        return exists().where(Visit.patient_id == Patient.id, _nurse_visit_condition(actor, now))
    if role == "patient":
        return Patient.user_id == actor.id
    return false()


def visit_scope(actor, *, now: datetime) -> ColumnElement[bool]:
    """A condition on Visit selecting exactly the visits the actor may see."""
    role = getattr(actor, "role", None)
    if role in STAFF:
        return true()
    if role == "nurse":
        return _nurse_visit_condition(actor, now)
    if role == "patient":
        return Visit.patient_id.in_(select(Patient.id).where(Patient.user_id == actor.id))
    return false()


def _refuse(actor, object_type: str, object_id: int):
    if getattr(actor, "role", None) not in ("admin", "coordinator", "nurse", "patient"):
        exc: Exception = AccessDenied("You do not have access to this page.")
    else:
        exc = NotFound(f"There is no such {object_type}.")
    # Read by the web layer's error handler, which audits the refusal after rolling back.
    exc.audit = {"action": "access_denied", "object_type": object_type, "object_id": object_id}
    return exc


def require_patient_access(session: Session, actor, patient_id: int, *, now: datetime) -> Patient:
    patient = session.scalar(select(Patient).where(Patient.id == patient_id, patient_scope(actor, now=now)))
    if patient is None:
        raise _refuse(actor, "patient", patient_id)
    return patient


def require_visit_access(session: Session, actor, visit_id: int, *, now: datetime) -> Visit:
    visit = session.scalar(select(Visit).where(Visit.id == visit_id, visit_scope(actor, now=now)))
    if visit is None:
        raise _refuse(actor, "visit", visit_id)
    return visit


def require_nurse_access(session: Session, actor, nurse_id: int) -> Nurse:
    """A nurse's own record (her schedule) for herself; staff reach every nurse."""
    role = getattr(actor, "role", None)
    condition = Nurse.user_id == actor.id if role == "nurse" else true() if role in STAFF else false()
    nurse = session.scalar(select(Nurse).where(Nurse.id == nurse_id, condition))
    if nurse is None:
        raise _refuse(actor, "nurse", nurse_id)
    return nurse


def read_patient(session: Session, actor, patient_id: int, *, now: datetime, details: dict | None = None) -> Patient:
    """The patient, after checking access, with the `read` audit row written.

    Every page or API call that shows a patient's data goes through this (or
    read_visit), so the audit log has one row per read.
    """
    patient = require_patient_access(session, actor, patient_id, now=now)
    audit.record(session, actor=actor, action="read", object_type="patient", object_id=patient.id,
                 patient_id=patient.id, now=now, details=details)
    return patient


def read_visit(session: Session, actor, visit_id: int, *, now: datetime, details: dict | None = None) -> Visit:
    visit = require_visit_access(session, actor, visit_id, now=now)
    audit.record(session, actor=actor, action="read", object_type="visit", object_id=visit.id,
                 patient_id=visit.patient_id, now=now, details=details)
    return visit


def record_change(session: Session, actor, *, object_type: str, object_id, patient_id: int | None,
                  now: datetime, action: str = "update", details: dict | None = None) -> None:
    """Audit a change of patient data; call it in the operation that makes the change."""
    audit.record(session, actor=actor, action=action, object_type=object_type, object_id=object_id,
                 patient_id=patient_id, now=now, details=details)


def record_list_read(session: Session, actor, *, object_type: str, patient_ids, now: datetime,
                     details: dict | None = None) -> None:
    """Audit a page that lists several patients (calendar, dashboard, order lists): one row
    naming every patient shown, instead of one row per patient, so a busy calendar stays fast."""
    ids = sorted({int(i) for i in patient_ids})
    if ids:
        audit.record(session, actor=actor, action="read_list", object_type=object_type, now=now,
                     details={**(details or {}), "patient_ids": ids})
