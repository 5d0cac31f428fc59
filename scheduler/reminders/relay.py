"""One sweep of the outbox: claim due reminders, send each outside any transaction, record it.

The worker's interval job calls sweep(); it is an entry point and owns its transactions:
one for the claim and the decisions that need no provider, then one per message sent, so
a message accepted by the provider is marked sent within milliseconds (the duplicate
window) and a kill loses at most the row in hand, which its lease brings back.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta

from scheduler.clock import utcnow
from scheduler.notify.channels import Outgoing, SendError
from scheduler.clinical.advice import shipped_patient_advice
from scheduler.notify.ics import uid_domain
from scheduler.notify.messages import email_message, sms_parts
from scheduler.notify.tokens import invitation_token, unsubscribe_token
from scheduler.reminders import outbox

log = logging.getLogger("scheduler.reminders.worker")


@dataclass
class RelaySettings:
    worker: str
    channels: dict
    secret_key: str
    public_base_url: str
    batch_size: int = 50
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = 5
    mail_from: str = "reminders@localhost"  # the calendar files' ORGANIZER
    # The organisation's patient advice (its protocol file), read at each message so an
    # installed protocol reaches the worker without a restart; None: the shipped advice.
    advice_fn: object = None
    now_fn: object = utcnow
    stop: threading.Event = field(default_factory=threading.Event)


# Messages that carry a signed single-use link (scheduler/operations/invitations.py).
LINK_PATHS = {"portal_invitation": "/portal/invitation/", "email_confirmation": "/portal/email/"}


def outgoing(decision: outbox.Decision, settings: RelaySettings) -> Outgoing:
    base = settings.public_base_url.rstrip("/")
    link_path = LINK_PATHS.get(decision.facts.kind)
    if link_path:
        token = invitation_token(settings.secret_key, decision.facts.invitation_id, decision.facts.invitation_nonce)
        facts = replace(decision.facts, invitation_url=f"{base}{link_path}{token}")
    else:
        facts = replace(decision.facts, advice=(settings.advice_fn or shipped_patient_advice)())
    if decision.channel == "sms":
        parts = tuple(sms_parts(facts))
        return Outgoing(decision.dedupe_key, decision.to, "", " ".join(parts), sms_parts=parts)
    # An invitation or a confirmation is not a reminder: no "stop email reminders" link.
    url = None if link_path else f"{base}/unsubscribe/{unsubscribe_token(settings.secret_key, decision.patient_id)}"
    message = email_message(replace(facts, unsubscribe_url=url), stamp=settings.now_fn(),
                            organizer_email=settings.mail_from, uid_domain=uid_domain(settings.public_base_url))
    return Outgoing(decision.dedupe_key, decision.to, message.subject, message.text, unsubscribe_url=url,
                    html=message.html, ics=message.ics, ics_method=message.ics_method)


def sweep(sessionmaker, settings: RelaySettings) -> Counter:
    """Claim and process batches until nothing is due or a stop is asked for."""
    counts: Counter = Counter()
    while not settings.stop.is_set():
        with sessionmaker() as session:
            now = settings.now_fn()
            ids = outbox.claim_due(session, worker=settings.worker, now=now, limit=settings.batch_size, lease=settings.lease)
            decisions = outbox.decide(session, ids, now=now) if ids else []
            for decision in decisions:
                if decision.action != "send":
                    outbox.close_claimed(session, decision, worker=settings.worker)
                    counts[decision.action] += 1
            session.commit()
        counts["due"] += len(ids)
        sends = [d for d in decisions if d.action == "send"]
        for index, decision in enumerate(sends):
            if settings.stop.is_set():
                with sessionmaker() as session:
                    outbox.release(session, [d.reminder_id for d in sends[index:]], worker=settings.worker)
                    session.commit()
                counts["released"] += len(sends) - index
                break
            counts[send_one(sessionmaker, decision, settings)] += 1
        if len(ids) < settings.batch_size:
            break
    return counts


def send_one(sessionmaker, decision: outbox.Decision, settings: RelaySettings) -> str:
    channel = settings.channels[decision.channel]
    try:
        provider_id = channel.send(outgoing(decision, settings))
    except SendError as exc:
        with sessionmaker() as session:
            outcome = outbox.mark_failed_attempt(session, decision.reminder_id, worker=settings.worker, error=str(exc),
                                                 permanent=exc.permanent, now=settings.now_fn(),
                                                 max_attempts=settings.max_attempts)
            session.commit()
        # The row id and the error class only: no address, no text.
        log.warning("reminder %d by %s: %s (%s)", decision.reminder_id, decision.channel, exc, outcome)
        return outcome
    with sessionmaker() as session:
        marked = outbox.mark_sent(session, decision.reminder_id, worker=settings.worker, provider_id=provider_id,
                                  now=settings.now_fn())
        session.commit()
    if not marked:
        # Cancelled while in flight, or our lease ran out and another worker took it.
        log.warning("reminder %d was sent but is no longer ours to mark", decision.reminder_id)
    return "sent"
