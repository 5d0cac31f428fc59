"""API access: bearer tokens and the idempotency keys of API requests that create.

A token is shown once when it is made and stored only as its SHA-256: a copy of the
database does not hand out working tokens. (A fast hash is enough here, unlike passwords:
the token is 256 random bits, so there is nothing to guess.)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.clock import utcnow
from scheduler.db import Base, UTCDateTime


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optional: a token for a short integration or a test expires by itself (None: never).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")


class IdempotencyKey(Base):
    """The first answer to a creating request with an `Idempotency-Key` header.

    Unique per user and key: a retry (a timeout, a lost response) gets the stored answer
    back instead of booking a second visit. The fingerprint is a hash of the method, path
    and body, so the same key reused for a different request is refused, not answered with
    an unrelated result.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
