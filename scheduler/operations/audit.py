"""The audit log: one append-only, hash-chained row per read or change of patient data.

Rows hold ids and codes, never PHI (names, dates of birth, notes): the log is read by
admins who may not need the clinical content, and it is exported as CSV.

Each row's hash covers its content and the previous row's hash, so editing or deleting a
row breaks verification from that row on. Writers are serialised so two transactions
cannot both chain onto the same predecessor (a fork would look like tampering): SQLite
already runs every write transaction under BEGIN IMMEDIATE (see scheduler/db.py); on
PostgreSQL a transaction-scoped advisory lock does it.

The web layer sets the request context (source address, request id) once per request;
operations then only pass the actor and what happened.
"""

from __future__ import annotations

import hashlib
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from scheduler.models import AuditEvent

GENESIS_HASH = "0" * 64
# Arbitrary but fixed key for pg_advisory_xact_lock: "audit" in ASCII.
AUDIT_CHAIN_LOCK_KEY = 0x6175646974
SYSTEM_ROLE = "system"
ANONYMOUS_ROLE = "anonymous"


@dataclass(frozen=True)
class RequestContext:
    source_ip: str | None = None
    request_id: str | None = None


NO_REQUEST = RequestContext()
# Set per request by the web app; NO_REQUEST in the CLI and the worker.
current_request: ContextVar[RequestContext | None] = ContextVar("audit_request", default=None)


def record(
    session: Session,
    *,
    actor,
    action: str,
    object_type: str,
    object_id: object = None,
    patient_id: int | None = None,
    now: datetime,
    details: dict | None = None,
    source_ip: str | None = None,
    request_id: str | None = None,
) -> AuditEvent:
    """Append one audit row. `actor` is a User, or None for the system / an anonymous caller."""
    context = current_request.get() or NO_REQUEST
    _lock_chain(session)
    prev_hash = session.scalar(select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS_HASH
    event = AuditEvent(
        at=now,
        actor_user_id=getattr(actor, "id", None),
        actor_role=getattr(actor, "role", None) or (ANONYMOUS_ROLE if context.request_id else SYSTEM_ROLE),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id)[:40],
        patient_id=patient_id,
        source_ip=source_ip if source_ip is not None else context.source_ip,
        request_id=request_id if request_id is not None else context.request_id,
        details=details or {},
        prev_hash=prev_hash,
    )
    event.row_hash = row_hash(event)
    session.add(event)
    session.flush()
    return event


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK_KEY})


def row_hash(event: AuditEvent) -> str:
    content = {
        "at": event.at.isoformat(timespec="microseconds"),
        "actor_user_id": event.actor_user_id,
        "actor_role": event.actor_role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "patient_id": event.patient_id,
        "source_ip": event.source_ip,
        "request_id": event.request_id,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    rows: int
    head_hash: str
    broken_at_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at_id is None


def verify_chain(session: Session, *, batch_size: int = 1000) -> ChainReport:
    """Recompute every row's hash in id order and check each links to its predecessor.

    An edited row fails its own hash; a deleted row breaks its successor's link. Deleting
    the newest rows leaves a shorter valid chain: compare head_hash with one recorded
    earlier (the verify command prints it) to catch that.
    """
    expected_prev = GENESIS_HASH
    rows = 0
    last_id = 0
    while True:
        batch = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch_size)
        ).all()
        if not batch:
            return ChainReport(rows=rows, head_hash=expected_prev)
        for event in batch:
            if event.prev_hash != expected_prev:
                return ChainReport(rows, expected_prev, event.id, "does not link to the row before it (a row was deleted or reordered)")
            if row_hash(event) != event.row_hash:
                return ChainReport(rows, expected_prev, event.id, "content does not match its hash (the row was edited)")
            expected_prev = event.row_hash
            rows += 1
            last_id = event.id
            session.expunge(event)  # keep memory flat on a long log


def search(
    *,
    patient_id: int | None = None,
    actor_user_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
):
    """A SELECT of audit rows matching the filters, newest first ([since, until) in UTC)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if patient_id is not None:
        query = query.where(AuditEvent.patient_id == patient_id)
    if actor_user_id is not None:
        query = query.where(AuditEvent.actor_user_id == actor_user_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return query
