"""The worker's side of the outbox: claim due rows with a lease, decide, record the outcome.

Claim: one UPDATE ... RETURNING that moves due rows to `sending` with a lease and counts
the attempt. PostgreSQL picks the rows with FOR UPDATE SKIP LOCKED, so several workers
take disjoint batches without waiting on each other; SQLite renders no FOR UPDATE, and
its BEGIN IMMEDIATE serialises the claim instead (one worker there). A row whose lease ran
out (its worker was killed) is due again: at-least-once, and the only duplicate window is
a crash between the provider accepting a message and the `sent` commit.

Every outcome is written with `WHERE status = 'sending' AND claimed_by = me`: a row that
a coordinator cancelled meanwhile, or that another worker re-claimed after our lease ran
out, is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, selectinload

from scheduler.reminders import timing
from scheduler.models import Agency, LabDraw, PortalInvitation, Reminder, Visit
from scheduler.notify.messages import DrawFacts, MessageFacts, VisitFacts
from scheduler.operations.reminders import channels_for, quiet_hours


def _due(now: datetime):
    return or_(
        and_(Reminder.status == "pending", Reminder.next_attempt_at <= now),
        and_(Reminder.status == "sending", Reminder.lease_until < now),
    )


def claim_due(session: Session, *, worker: str, now: datetime, limit: int, lease: timedelta) -> list[int]:
    picked = (select(Reminder.id).where(_due(now)).order_by(Reminder.next_attempt_at, Reminder.id).limit(limit)
              .with_for_update(skip_locked=True).scalar_subquery())
    result = session.execute(
        update(Reminder).where(Reminder.id.in_(picked))
        .values(status="sending", claimed_by=worker, lease_until=now + lease, attempts=Reminder.attempts + 1)
        .returning(Reminder.id).execution_options(synchronize_session=False)
    )
    return sorted(result.scalars())


@dataclass(frozen=True)
class Decision:
    reminder_id: int
    action: str  # send, expire, cancel, defer
    reason: str = ""
    channel: str = ""
    to: str = ""
    dedupe_key: str = ""
    facts: MessageFacts | None = None
    until: datetime | None = None
    patient_id: int = 0


def decide(session: Session, ids: list[int], *, now: datetime) -> list[Decision]:
    """For each claimed row: still useful, still wanted, allowed now? Then what to send."""
    rows = list(session.scalars(select(Reminder).options(selectinload(Reminder.patient))
                                .where(Reminder.id.in_(ids)).order_by(Reminder.next_attempt_at, Reminder.id)))
    agency = session.scalar(select(Agency).limit(1))
    visits = {v.id: v for v in session.scalars(select(Visit).options(selectinload(Visit.nurse), selectinload(Visit.order))
                                               .where(Visit.id.in_({r.visit_id for r in rows if r.visit_id})))}
    draws = {d.id: d for d in session.scalars(
        select(LabDraw).options(selectinload(LabDraw.visit).selectinload(Visit.order))
        .where(LabDraw.id.in_({r.lab_draw_id for r in rows if r.lab_draw_id})))}
    invitations = {i.id: i for i in session.scalars(select(PortalInvitation).where(
        PortalInvitation.id.in_({r.invitation_id for r in rows if r.invitation_id})))}
    decisions = []
    for row in rows:
        patient = row.patient
        visit, draw = visits.get(row.visit_id), draws.get(row.lab_draw_id)
        invitation = invitations.get(row.invitation_id)
        zone = ZoneInfo(patient.timezone)
        gone = _no_longer_true(row, visit, draw, invitation, now)
        if row.expires_at <= now:
            decisions.append(Decision(row.id, "expire", "no longer useful"))
        elif gone:
            decisions.append(Decision(row.id, *gone))
        elif invitation is None and row.channel not in channels_for(patient):
            # Reminders need consent; an invitation is the coordinator's message, sent once when asked.
            decisions.append(Decision(row.id, "cancel", "no consent or no address for this channel"))
        elif timing.in_quiet_hours(now, zone, quiet_hours(patient)):
            until = timing.next_allowed(now, zone, quiet_hours(patient))
            if until >= row.expires_at:
                decisions.append(Decision(row.id, "expire", "only quiet hours left before it stops being useful"))
            else:
                decisions.append(Decision(row.id, "defer", "quiet hours", until=until))
        else:
            facts = MessageFacts(
                kind=row.kind, zone=patient.timezone, patient_first_name=patient.first_name,
                agency_name=agency.name if agency else "Your home infusion team",
                agency_phone=agency.phone_e164 if agency else "your care team",
                visit=_visit_facts(visit, patient) if visit else None,
                draw=_draw_facts(draw, zone) if draw else None,
                patient_email=patient.email,
                invitation_id=invitation.id if invitation else None,
                invitation_nonce=invitation.nonce if invitation else None,
                invitation_expires_at=invitation.expires_at if invitation else None,
            )
            to = invitation.sent_to if invitation else patient.email if row.channel == "email" else patient.phone_e164
            decisions.append(Decision(row.id, "send", channel=row.channel, dedupe_key=row.dedupe_key, facts=facts,
                                      to=to, patient_id=patient.id))
    return decisions


def _no_longer_true(row: Reminder, visit: Visit | None, draw: LabDraw | None, invitation: PortalInvitation | None,
                    now: datetime) -> tuple[str, str] | None:
    """(action, reason) when what the row announces is no longer so; None when it still is."""
    if invitation is not None and invitation.state(now) != "open":
        # Used, revoked, expired or replaced by a newer one: its link no longer works.
        return ("cancel", f"invitation {invitation.state(now)}")
    if row.kind == "visit_cancel":
        return None if visit.status == "cancelled" else ("expire", f"visit {visit.status}")
    if row.kind == "draw_cancel":
        return None if draw.status == "cancelled" else ("expire", f"draw {draw.status}")
    if visit is not None and visit.status != "booked":
        return ("cancel" if visit.status == "cancelled" else "expire", f"visit {visit.status}")
    if draw is not None and draw.status != "scheduled":
        return ("expire", f"draw {draw.status}")
    return None


def _visit_facts(visit: Visit, patient) -> VisitFacts:
    return VisitFacts(visit_id=visit.id, starts_at=visit.starts_at, ends_at=visit.ends_at,
                      nurse_first_name=visit.nurse.first_name if visit.nurse else None,
                      address=f"{patient.address_line}, {patient.city} {patient.postal_code}", version=visit.version,
                      premedication=bool((visit.order.premedication or "").strip()))


def _draw_facts(draw: LabDraw, zone: ZoneInfo) -> DrawFacts:
    opens, closes = timing.draw_window(draw.due_at, zone)
    return DrawFacts(draw_id=draw.id, opens_at=opens, closes_at=closes, test=draw.test,
                     place=draw.visit.order.draw_place if draw.visit else "lab")


def _mine(session: Session, reminder_id: int, worker: str, **values) -> bool:
    result = session.execute(
        update(Reminder).where(Reminder.id == reminder_id, Reminder.status == "sending", Reminder.claimed_by == worker)
        .values(lease_until=None, **values).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def close_claimed(session: Session, decision: Decision, *, worker: str) -> bool:
    """Record an outcome that needs no provider: expired, cancelled or deferred."""
    if decision.action == "defer":
        # Waiting out quiet hours is not a failed attempt.
        return _mine(session, decision.reminder_id, worker, status="pending", next_attempt_at=decision.until,
                     attempts=Reminder.attempts - 1, claimed_by=None)
    status = {"expire": "expired", "cancel": "cancelled"}[decision.action]
    return _mine(session, decision.reminder_id, worker, status=status, last_error=decision.reason)


def mark_sent(session: Session, reminder_id: int, *, worker: str, provider_id: str, now: datetime) -> bool:
    return _mine(session, reminder_id, worker, status="sent", provider_id=provider_id, sent_at=now, last_error=None)


def mark_failed_attempt(session: Session, reminder_id: int, *, worker: str, error: str, permanent: bool,
                        now: datetime, max_attempts: int) -> str:
    """Back to pending with backoff, or failed (shown on the dashboard) when out of attempts."""
    row = session.get(Reminder, reminder_id, populate_existing=True)
    if row is None or row.status != "sending" or row.claimed_by != worker:
        return "lost"
    if permanent or row.attempts >= max_attempts:
        _mine(session, reminder_id, worker, status="failed", last_error=error[:500])
        return "failed"
    _mine(session, reminder_id, worker, status="pending", last_error=error[:500], claimed_by=None,
          next_attempt_at=now + timing.retry_delay(row.attempts))
    return "retry"


def release(session: Session, ids: list[int], *, worker: str) -> None:
    """Give back claimed rows not started (shutdown): due again at once, the attempt uncounted."""
    for reminder_id in ids:
        _mine(session, reminder_id, worker, status="pending", claimed_by=None, attempts=Reminder.attempts - 1)
