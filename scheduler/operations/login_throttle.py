"""Login throttling per account and per source address, counted in the database.

Only failures are stored. While an account or an address has too many recent failures,
further attempts are refused before the password is even checked, with the same answer
whether or not the account exists (the limit applies to unknown emails as well).

Limits (defaults; the app passes its configuration): 10 failures per account and 50 per
address in 15 minutes. ASVS 2.2.1 allows at most 100 per hour per account; 10 per quarter
hour (40 per hour) stays under it while a user who mistypes a few times is not locked out.
The per-address limit is higher because several staff may share one office address.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from scheduler.models import LoginAttempt
from scheduler.operations.accounts import normalise_email


@dataclass(frozen=True)
class ThrottleLimits:
    max_failures_per_account: int = 10
    max_failures_per_ip: int = 50
    window: timedelta = timedelta(minutes=15)


# Rows older than this are of no use to any window and are pruned.
RETENTION = timedelta(days=1)
# Refused API bearer tokens are counted in the same table under this key (an email's key is a
# 64-hex hash, so the two never meet); they do not count towards the login limits.
API_TOKEN_KEY = "api_token"


def account_key(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def is_throttled(session: Session, email: str, source_ip: str, *, now: datetime, limits: ThrottleLimits) -> bool:
    since = now - limits.window
    per_account = session.scalar(
        select(func.count()).where(LoginAttempt.account_key == account_key(email), LoginAttempt.at > since)
    )
    if per_account >= limits.max_failures_per_account:
        return True
    per_ip = session.scalar(select(func.count()).where(
        LoginAttempt.source_ip == source_ip, LoginAttempt.at > since, LoginAttempt.account_key != API_TOKEN_KEY))
    return per_ip >= limits.max_failures_per_ip


def record_failure(session: Session, email: str, source_ip: str, *, now: datetime) -> None:
    _record(session, account_key(email), source_ip, now=now)


def _record(session: Session, key: str, source_ip: str, *, now: datetime) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - RETENTION))
    session.add(LoginAttempt(at=now, account_key=key, source_ip=source_ip[:45]))
    session.flush()


def token_failures(session: Session, source_ip: str, *, now: datetime, window: timedelta) -> int:
    """Refused API tokens from this address within the window."""
    return session.scalar(select(func.count()).where(
        LoginAttempt.account_key == API_TOKEN_KEY, LoginAttempt.source_ip == source_ip[:45],
        LoginAttempt.at > now - window))


def record_token_failure(session: Session, source_ip: str, *, now: datetime, window: timedelta) -> int:
    """Count one refused token; the address's refusals in the window, this one included."""
    _record(session, API_TOKEN_KEY, source_ip, now=now)
    return token_failures(session, source_ip, now=now, window=window)
