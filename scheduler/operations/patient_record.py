"""One patient's course of care on the staff patient page: orders with their state, visits
past and upcoming, reminders pending and sent, and whether the patient uses the portal.
(Draws and results have their own panel: labs.) Each list is bounded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.models import Patient, Reminder, TherapyOrder, User, Visit
from scheduler.models.visits import MAX_VISIT_DURATION
from scheduler.operations.courses import OrderRow, order_row

SHOWN = 20  # rows per list; the orders list, calendar and outbox hold the rest


@dataclass(frozen=True)
class PatientRecord:
    orders: list[OrderRow]
    upcoming: list[Visit]
    past: list[Visit]
    pending: list[Reminder]  # still to go out, soonest first
    sent: list[Reminder]  # gone out, failed or expired, latest first
    portal_user: User | None


def patient_record(session: Session, patient: Patient, *, now: datetime) -> PatientRecord:
    orders = session.scalars(
        select(TherapyOrder).options(selectinload(TherapyOrder.visits).selectinload(Visit.nurse))
        .where(TherapyOrder.patient_id == patient.id).order_by(TherapyOrder.earliest_start.desc()).limit(SHOWN)
    )
    visits = select(Visit).options(selectinload(Visit.nurse)).where(Visit.patient_id == patient.id)
    # starts_at bounded too (a visit is shorter than MAX_VISIT_DURATION): not the patient's whole past.
    upcoming = session.scalars(visits.where(Visit.ends_at >= now, Visit.starts_at > now - MAX_VISIT_DURATION)
                               .order_by(Visit.starts_at).limit(SHOWN))
    past = session.scalars(visits.where(Visit.ends_at < now).order_by(Visit.starts_at.desc()).limit(SHOWN))
    reminders = select(Reminder).where(Reminder.patient_id == patient.id)
    # Sorted here, not in SQL: ORDER BY due_at would lead SQLite down (patient, due_at) through
    # every message she ever had; her waiting ones are few, read by (patient, status).
    pending = sorted(session.scalars(reminders.where(Reminder.status.in_(("pending", "sending")))),
                     key=lambda r: (r.due_at, r.id))[:SHOWN]
    sent = session.scalars(reminders.where(Reminder.status.in_(("sent", "failed", "expired")))
                           .order_by(Reminder.due_at.desc()).limit(SHOWN))
    user = session.get(User, patient.user_id) if patient.user_id else None
    return PatientRecord([order_row(o) for o in orders], list(upcoming), list(past), list(pending), list(sent), user)
