"""The admin's view of the reminder outbox: every row by status, channel and kind, newest
due first, with the counts per status; a page reads one page of rows, never the table."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from scheduler.models import Reminder


@dataclass(frozen=True)
class OutboxPage:
    rows: list[Reminder]
    total: int  # rows matching the filters
    counts: dict[str, int]  # every row, by status


def outbox_page(session: Session, *, status: str | None = None, channel: str | None = None, kind: str | None = None,
                page: int = 1, per_page: int = 50) -> OutboxPage:
    conditions = []
    if status:
        conditions.append(Reminder.status == status)
    if channel:
        conditions.append(Reminder.channel == channel)
    if kind:
        conditions.append(Reminder.kind == kind)
    total = session.scalar(select(func.count()).select_from(Reminder).where(*conditions)) or 0
    rows = list(session.scalars(
        select(Reminder).options(selectinload(Reminder.patient)).where(*conditions)
        .order_by(Reminder.due_at.desc(), Reminder.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ))
    counts = dict(session.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all())
    return OutboxPage(rows, total, counts)
