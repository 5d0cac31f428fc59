"""Login attempts: the shared memory of the login throttle.

In the database rather than in process memory so that every web worker sees the same
count; a per-process counter lets n workers allow n times the limit (see
../shared/reference/reliability-security.md, finding 7).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.db import Base, UTCDateTime


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_account_at", "account_key", "at"),
        Index("ix_login_attempts_ip_at", "source_ip", "at"),
        Index("ix_login_attempts_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A SHA-256 of the normalised email, not the address: the table counts attempts per
    # account without becoming a list of who tried to log in.
    account_key: Mapped[str] = mapped_column(String(64))
    source_ip: Mapped[str] = mapped_column(String(45))
