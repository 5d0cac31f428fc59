"""Reminders: the transactional outbox.

A row is written in the same transaction as the visit or completion that implies it; the
worker is only the clock that sends due rows. The table, not the scheduler, is the truth.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.clock import utcnow
from scheduler.db import Base, UTCDateTime
from scheduler.models._types import one_of

# portal_invitation / email_confirmation: not reminders, but messages sent through the same
# outbox (channels, quiet hours, retries), so they are never lost either.
# visit_update / visit_cancel / draw_cancel: sent at once when a visit or draw the patient
# already has in his calendar (a sent message carried its ICS) moves or is cancelled.
REMINDER_KINDS = (
    "visit_eve", "visit_morning", "lab_draw", "portal_invitation", "email_confirmation",
    "visit_update", "visit_cancel", "draw_cancel",
)
REMINDER_CHANNELS = ("email", "sms")
REMINDER_STATUSES = ("pending", "sending", "sent", "failed", "cancelled", "expired")


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        one_of("kind", REMINDER_KINDS),
        one_of("channel", REMINDER_CHANNELS),
        one_of("status", REMINDER_STATUSES),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The sweep: due pending rows in due order.
        Index("ix_reminders_status_due", "status", "due_at"),
        # The worker's claim: pending rows whose next attempt has come, sending rows by lease.
        Index("ix_reminders_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_reminders_visit", "visit_id"),
        Index("ix_reminders_lab_draw", "lab_draw_id"),
        # A patient's last messages (portal), newest first, whatever the agency's history.
        Index("ix_reminders_patient_status_sent", "patient_id", "status", "sent_at"),
        # Her last messages of any outcome by date (the staff patient page), not all of them sorted.
        Index("ix_reminders_patient_due", "patient_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    lab_draw_id: Mapped[int | None] = mapped_column(ForeignKey("lab_draws.id"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("portal_invitations.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # After this moment the message is no longer useful and expires instead of going out.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    # Stable per logical message: the Message-ID and the provider idempotency key.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    patient = relationship("Patient")
    visit = relationship("Visit")
    lab_draw = relationship("LabDraw")
