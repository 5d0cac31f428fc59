"""The patient portal: what a patient sees of his own care, and the settings he may change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.models import LabDraw, Patient, Reminder, Visit
from scheduler.models.patients import CHANNELS
from scheduler.models.visits import MAX_VISIT_DURATION
from scheduler.operations import DomainError, NotFound, audit
from scheduler.operations.access import record_change
from scheduler.operations.reminders import replan_patient


def own_patient(session: Session, actor, *, now: datetime) -> Patient:
    patient = session.scalar(select(Patient).where(Patient.user_id == actor.id))
    if patient is None:
        raise NotFound("No patient record is linked to this login; please call your care team.")
    audit.record(session, actor=actor, action="read", object_type="patient", object_id=patient.id,
                 patient_id=patient.id, now=now, details={"page": "portal"})
    return patient


# The draws her page lists (to do, drawn, with a result); cancelled ones are not hers to see.
SHOWN_DRAW_STATUSES = ("scheduled", "done")


@dataclass(frozen=True)
class Overview:
    visits: list[Visit]  # upcoming, soonest first
    draws: list[LabDraw]  # to do, and those marked drawn (undo the same day)
    reminders: list[Reminder]  # sent, newest first, with their visit or draw
    past_visits: list[Visit] = ()  # newest first
    results: list[LabDraw] = ()  # draws with a result, oldest first


def overview(session: Session, patient: Patient, *, now: datetime, reminders_shown: int = 20,
             past_shown: int = 10, since: datetime | None = None) -> Overview:
    """Her page; her blood tests and results from `since` when given (the pages pass the last
    RECENT_FOLLOW_UP), so her page costs the same in her tenth year as in her first."""
    with_order = (selectinload(Visit.nurse), selectinload(Visit.order))
    visits = list(session.scalars(select(Visit).options(*with_order)
                                  .where(Visit.patient_id == patient.id, Visit.status.in_(("booked", "in_progress")),
                                         Visit.ends_at > now, Visit.starts_at > now - MAX_VISIT_DURATION)
                                  .order_by(Visit.starts_at)))
    past = list(session.scalars(select(Visit).options(*with_order)
                                .where(Visit.patient_id == patient.id, Visit.status != "cancelled", Visit.ends_at <= now)
                                .order_by(Visit.starts_at.desc()).limit(past_shown)))
    draws = list(session.scalars(select(LabDraw).options(selectinload(LabDraw.visit).selectinload(Visit.order),
                                                         selectinload(LabDraw.result))
                                 .where(LabDraw.patient_id == patient.id, LabDraw.status.in_(SHOWN_DRAW_STATUSES),
                                        *([LabDraw.due_at >= since] if since is not None else []))
                                 .order_by(LabDraw.due_at)))
    results = [d for d in draws if d.result is not None]
    draws = [d for d in draws if d.status == "scheduled" or d.result is None]
    sent = list(session.scalars(select(Reminder).options(selectinload(Reminder.visit), selectinload(Reminder.lab_draw))
                                .where(Reminder.patient_id == patient.id, Reminder.status == "sent")
                                .order_by(Reminder.sent_at.desc()).limit(reminders_shown)))
    return Overview(visits, draws, sent, past, results)


def update_preferences(session: Session, patient: Patient, *, channel: str, email_consent: bool, sms_consent: bool,
                       morning_reminder: bool, quiet_start: time, quiet_end: time, actor, now: datetime) -> None:
    if channel not in CHANNELS:
        raise DomainError("Choose how to be reminded.")
    if channel in ("email", "both") and not (patient.email and email_consent):
        raise DomainError("Email reminders need an email address on file and your agreement below.")
    if channel in ("sms", "both") and not (patient.phone_e164 and sms_consent):
        raise DomainError("Text reminders need a mobile number on file and your agreement below.")
    changed = []
    for name, value in (("preferred_channel", channel), ("morning_reminder", morning_reminder),
                        ("quiet_start", quiet_start), ("quiet_end", quiet_end)):
        if getattr(patient, name) != value:
            setattr(patient, name, value)
            changed.append(name)
    for name, given in (("email_consent_at", email_consent), ("sms_consent_at", sms_consent)):
        if bool(getattr(patient, name)) != given:
            setattr(patient, name, now if given else None)
            changed.append(name)
    if changed:
        record_change(session, actor, object_type="patient", object_id=patient.id, patient_id=patient.id, now=now,
                      details={"fields": changed, "via": "portal"})
        session.flush()
        replan_patient(session, patient, now=now)
