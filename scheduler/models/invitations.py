"""Patient portal invitations: a signed, single-use link that lets a patient set his password
and links the new login to his record.

The link carries the invitation's id and a random nonce, signed with the app's key; this row
decides whether it still works (not used, not revoked, not past `expires_at`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import Base, UTCDateTime
from scheduler.models._types import one_of

INVITATION_CHANNELS = ("email", "sms")
# portal: the first login; email_change: the patient confirms a new email address by a link
# sent to it (the same single-use, 72-hour link).
INVITATION_PURPOSES = ("portal", "email_change")


class PortalInvitation(Base):
    __tablename__ = "portal_invitations"
    __table_args__ = (
        one_of("channel", INVITATION_CHANNELS),
        one_of("purpose", INVITATION_PURPOSES),
        Index("ix_portal_invitations_patient", "patient_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20), default="portal")
    channel: Mapped[str] = mapped_column(String(10))
    sent_to: Mapped[str] = mapped_column(String(254))  # the address or number at the time
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    patient = relationship("Patient")

    def state(self, now: datetime) -> str:
        """open, used, revoked or expired."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "open"
