"""Idempotency keys: a retried creating request returns its first answer.

The key is claimed (a row inserted) in the same transaction as the creation it guards,
before the creation runs. Two copies of one request racing each other therefore meet at
the unique (user, key) index: on PostgreSQL the second insert waits for the first
transaction and then fails, on SQLite BEGIN IMMEDIATE makes the second wait and then see
the row. Either way the second gets the stored answer and never books a second visit.
Only successful answers are kept: a refused request changed nothing, so running it again
is safe.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import IdempotencyKey
from scheduler.operations import DomainError

MAX_KEY_LENGTH = 200


class KeyReused(DomainError):
    """The key was used before for a different request."""


def fingerprint(method: str, path: str, body) -> str:
    canonical = json.dumps([method.upper(), path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def stored_answer(session: Session, user_id: int, key: str, print_: str) -> IdempotencyKey | None:
    """The first answer for this key, or None when the key is new; KeyReused when the key
    was used for a different request."""
    row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key))
    if row is not None and row.fingerprint != print_:
        raise KeyReused("This Idempotency-Key was already used for a different request.")
    return row


def claim(session: Session, user_id: int, key: str, print_: str, *, now: datetime) -> IdempotencyKey:
    """Insert the key's row (status 0 until the answer is known); flushes, so a concurrent
    holder of the same key makes this raise IntegrityError or wait."""
    row = IdempotencyKey(user_id=user_id, key=key, fingerprint=print_, response_status=0, response_body={},
                         created_at=now)
    session.add(row)
    session.flush()
    return row


def remember(session: Session, row: IdempotencyKey, status: int, body: dict) -> None:
    row.response_status, row.response_body = status, body
    session.flush()
