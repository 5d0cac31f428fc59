"""Patient portal invitations: the coordinator sends one (email or SMS, through the outbox),
the patient follows its signed, single-use link within 72 hours, sets a password, and the
new login is linked to his record. An invitation can be revoked; sending a new one revokes
the previous.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from scheduler.auth.passwords import password_problem
from scheduler.models import Patient, PortalInvitation, Reminder, User
from scheduler.operations import DomainError, NotFound
from scheduler.operations.access import record_change
from scheduler.operations.accounts import create_user, normalise_email
from scheduler.operations.checks import Checker, require_staff

INVITATION_LIFETIME = timedelta(hours=72)
CHANNEL_WORDS = {"email": "email", "sms": "text message"}


class InvitationRefused(DomainError):
    """The invitation cannot be sent, or its link no longer works; the message says why."""


@dataclass(frozen=True)
class PortalStatus:
    """What the patient's page says about his portal access."""

    login_email: str | None
    login_active: bool
    invitation: PortalInvitation | None  # the newest one
    invitation_state: str | None  # open, used, revoked, expired
    delivery: str | None  # the outbox row's status: pending, sent, failed ...


def portal_status(session: Session, patient: Patient, *, now: datetime) -> PortalStatus:
    user = session.get(User, patient.user_id) if patient.user_id else None
    invitation = session.scalar(select(PortalInvitation).where(PortalInvitation.patient_id == patient.id,
                                                               PortalInvitation.purpose == "portal")
                                .order_by(PortalInvitation.created_at.desc(), PortalInvitation.id.desc()).limit(1))
    delivery = None if invitation is None else session.scalar(
        select(Reminder.status).where(Reminder.invitation_id == invitation.id).order_by(Reminder.id.desc()).limit(1))
    return PortalStatus(login_email=user.email if user else None, login_active=bool(user and user.is_active),
                        invitation=invitation, invitation_state=invitation.state(now) if invitation else None,
                        delivery=delivery)


def _close_open_invitations(session: Session, patient_id: int, *, now: datetime, purpose: str = "portal") -> int:
    """Revoke the patient's open invitations and stop their messages not sent yet."""
    open_ids = list(session.scalars(select(PortalInvitation.id).where(
        PortalInvitation.patient_id == patient_id, PortalInvitation.purpose == purpose, PortalInvitation.used_at.is_(None),
        PortalInvitation.revoked_at.is_(None), PortalInvitation.expires_at > now)))
    if open_ids:
        session.execute(update(PortalInvitation).where(PortalInvitation.id.in_(open_ids)).values(revoked_at=now)
                        .execution_options(synchronize_session=False))
        session.execute(update(Reminder).where(Reminder.invitation_id.in_(open_ids),
                                               Reminder.status.in_(("pending", "sending")))
                        .values(status="cancelled", last_error="invitation revoked", lease_until=None)
                        .execution_options(synchronize_session=False))
    return len(open_ids)


def send_invitation(session: Session, patient_id: int, channel: str, *, actor, now: datetime) -> PortalInvitation:
    """A new invitation by email or SMS, queued in the outbox in this transaction; an earlier
    open one is revoked (its link stops working)."""
    require_staff(actor)
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound("There is no such patient.")
    if patient.user_id is not None:
        raise InvitationRefused(f"{patient.first_name} {patient.last_name} already has a portal login.")
    if channel not in CHANNEL_WORDS:
        raise InvitationRefused("Send the invitation by email or by text message.")
    to = patient.email if channel == "email" else patient.phone_e164
    if not to:
        missing = "an email address" if channel == "email" else "a phone number"
        raise InvitationRefused(f"The patient has no {missing.split(' ', 1)[1]}: add {missing} on his record first.")
    invitation = _queue(session, patient, purpose="portal", channel=channel, to=to, kind="portal_invitation",
                        actor=actor, now=now)
    record_change(session, actor, object_type="portal_invitation", object_id=invitation.id, patient_id=patient.id,
                  now=now, action="create", details={"channel": channel})
    return invitation


def revoke_invitation(session: Session, patient_id: int, *, actor, now: datetime) -> int:
    require_staff(actor)
    if session.get(Patient, patient_id) is None:
        raise NotFound("There is no such patient.")
    revoked = _close_open_invitations(session, patient_id, now=now)
    if not revoked:
        raise InvitationRefused("There is no open invitation to revoke.")
    record_change(session, actor, object_type="portal_invitation", object_id=None, patient_id=patient_id, now=now,
                  action="revoke")
    return revoked


STATE_MESSAGES = {
    "used": "This invitation link has already been used. Log in with the password you set, or ask your care "
            "team for a new invitation.",
    "revoked": "This invitation link has been replaced or withdrawn. Please use the newest one, or ask your care "
               "team for a new invitation.",
    "expired": "This invitation link has expired (links work for 72 hours). Please ask your care team for a new one.",
}


def open_invitation(session: Session, invitation_id: int, nonce: str, *, now: datetime,
                    purpose: str = "portal") -> PortalInvitation:
    """The invitation a link names, if the link still works; InvitationRefused otherwise."""
    invitation = session.get(PortalInvitation, invitation_id)
    if invitation is None or invitation.purpose != purpose or not hmac.compare_digest(invitation.nonce, nonce):
        raise InvitationRefused("This invitation link is not valid. Please ask your care team for a new one.")
    state = invitation.state(now)
    if state != "open":
        raise InvitationRefused(STATE_MESSAGES[state])
    return invitation


def accept_invitation(session: Session, invitation_id: int, nonce: str, *, email: str, password: str,
                      now: datetime) -> User:
    """The patient's login, created with his password and linked to his record; the link is
    spent. Checked again here, under the write lock, so a link followed twice at once makes
    one login."""
    invitation = open_invitation(session, invitation_id, nonce, now=now)
    patient = session.get(Patient, invitation.patient_id)
    if patient.user_id is not None:
        raise InvitationRefused(STATE_MESSAGES["used"])
    c = Checker()
    email = c.text("email", normalise_email(email or ""), label="email", max_len=254)
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        c.fail("email", "This is not a valid email address.")
    elif email and session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        c.fail("email", "This email already belongs to another login; use another, or call your care team.")
    problem = password_problem(password or "", email)
    if problem:
        c.fail("password", problem)
    c.done()
    user = create_user(session, email=email, full_name=f"{patient.first_name} {patient.last_name}", role="patient",
                       password=password)
    patient.user_id = user.id
    invitation.used_at = now
    session.flush()
    record_change(session, user, object_type="portal_invitation", object_id=invitation.id, patient_id=patient.id,
                  now=now, action="accept")
    return user


# The patient's own contact details, from the portal.

def _queue(session: Session, patient: Patient, *, purpose: str, channel: str, to: str, kind: str, actor,
           now: datetime) -> PortalInvitation:
    """A link-carrying message through the outbox, in this transaction."""
    _close_open_invitations(session, patient.id, now=now, purpose=purpose)
    invitation = PortalInvitation(patient_id=patient.id, purpose=purpose, channel=channel, sent_to=to,
                                  nonce=secrets.token_hex(16), created_at=now, expires_at=now + INVITATION_LIFETIME,
                                  created_by_id=getattr(actor, "id", None))
    session.add(invitation)
    session.flush()
    session.add(Reminder(kind=kind, channel=channel, patient_id=patient.id, invitation_id=invitation.id, due_at=now,
                         next_attempt_at=now, expires_at=invitation.expires_at, status="pending", attempts=0,
                         dedupe_key=f"{purpose}-{invitation.id}", created_at=now))
    session.flush()
    return invitation


def change_own_contact(session: Session, patient: Patient, *, phone: str, email: str, actor,
                       now: datetime) -> PortalInvitation | None:
    """The patient's new phone number (normalised, at once) and email (only once confirmed by
    the link sent to it: a typo must not send his reminders to a stranger). Returns the pending
    confirmation when the email changes."""
    from scheduler.operations.reminders import replan_patient

    c = Checker()
    phone_e164 = c.phone("phone", phone, required=False)
    email = c.text("email", normalise_email(email or ""), label="email", max_len=254, required=False)
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        c.fail("email", "This is not a valid email address.")
    if not phone_e164 and "phone" not in c.errors and (patient.sms_consent_at or patient.preferred_channel in ("sms", "both")):
        c.fail("phone", "Your text-message reminders need a phone number: keep one, or change how you are reminded first.")
    if not email and "email" not in c.errors and patient.email:
        c.fail("email", "Your email cannot be removed here; call your care team.")
    c.done()
    changed = []
    if phone_e164 != patient.phone_e164:
        patient.phone_e164 = phone_e164
        changed.append("phone_e164")
        session.flush()
        replan_patient(session, patient, now=now)  # pending texts go to the new number
    pending = None
    if email and email != (patient.email or ""):
        pending = _queue(session, patient, purpose="email_change", channel="email", to=email,
                         kind="email_confirmation", actor=actor, now=now)
        changed.append("email_change_requested")
    if changed:
        record_change(session, actor, object_type="patient", object_id=patient.id, patient_id=patient.id, now=now,
                      details={"fields": changed, "by": "patient"})
    return pending


def confirm_email_change(session: Session, invitation_id: int, nonce: str, *, now: datetime) -> Patient:
    """The link sent to the new address was followed: it becomes the patient's email."""
    from scheduler.operations.reminders import replan_patient

    invitation = open_invitation(session, invitation_id, nonce, now=now, purpose="email_change")
    patient = session.get(Patient, invitation.patient_id)
    patient.email = invitation.sent_to
    invitation.used_at = now
    session.flush()
    replan_patient(session, patient, now=now)
    record_change(session, None, object_type="patient", object_id=patient.id, patient_id=patient.id, now=now,
                  details={"fields": ["email"], "by": "patient, confirmed by link"})
    return patient
