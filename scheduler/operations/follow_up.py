"""A patient's reminders and lab draws as pages of a list, for the API.

Reads only: the caller has already passed the patient access rule (read_patient), and the
rules about reminders and draws stay in operations/reminders.py and operations/labs.py.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from scheduler.models import LabDraw, Reminder


def reminders_page(session: Session, patient_id: int, *, page: int, per_page: int) -> tuple[list[Reminder], int]:
    query = select(Reminder).where(Reminder.patient_id == patient_id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(Reminder.due_at, Reminder.id).offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def draws_page(session: Session, patient_id: int, *, page: int, per_page: int) -> tuple[list[LabDraw], int]:
    query = select(LabDraw).where(LabDraw.patient_id == patient_id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.options(selectinload(LabDraw.result)).order_by(LabDraw.due_at, LabDraw.id)
                           .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total
