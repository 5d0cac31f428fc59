"""Reminder texts: what the patient reads, in his own time zone.

Short and discreet: a lock screen or a shared inbox may show them, so no diagnosis, no
drug name, no clinical numbers; only what the patient needs to act (when, who comes,
what to do, whom to call).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

# The manufacturers' patient advice (ivig-reference.md section 5, citing the IDF Guide for
# Nurses): "Drink plenty of water 24 hours prior to infusion ... Stay well hydrated 24
# hours after your infusion".
HYDRATION_ADVICE = "Please drink plenty of water in the 24 hours before your visit, and keep well hydrated for 24 hours after it."
LAB_ADVICE = "If the blood test cannot happen at this time, please call us so we can arrange another."


@dataclass(frozen=True)
class MessageFacts:
    kind: str  # visit_eve, visit_morning, lab_draw
    zone: str  # the patient's IANA zone
    patient_first_name: str
    agency_name: str
    agency_phone: str
    visit_starts_at: datetime | None = None
    visit_ends_at: datetime | None = None
    nurse_first_name: str | None = None
    draw_due_at: datetime | None = None
    unsubscribe_url: str | None = None
    # A portal invitation: the relay turns id and nonce into the signed link (invitation_url).
    invitation_id: int | None = None
    invitation_nonce: str | None = None
    invitation_expires_at: datetime | None = None
    invitation_url: str | None = None


@dataclass(frozen=True)
class Message:
    subject: str
    text: str


def _when(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%A %d %B} at {local:%H:%M} ({local.tzname()})"


def _window(starts: datetime, ends: datetime, zone: ZoneInfo) -> str:
    a, b = starts.astimezone(zone), ends.astimezone(zone)
    return f"{a:%A %d %B}, {a:%H:%M}-{b:%H:%M} ({a.tzname()})"


def _invitation_email(facts: MessageFacts, zone: ZoneInfo) -> Message:
    lines = [f"Hello {facts.patient_first_name},", "",
             f"{facts.agency_name} invites you to your patient portal: your upcoming home visits and "
             "blood tests, and your reminder settings, in one place.", "",
             "To set your password, open this link:", facts.invitation_url or "", "",
             f"The link works once, until {_when(facts.invitation_expires_at, zone)}.",
             f"Did not expect this? Ignore it, or call {facts.agency_name} on {facts.agency_phone}."]
    return Message(f"Your patient portal at {facts.agency_name}", "\n".join(lines) + "\n")


def _confirmation_email(facts: MessageFacts, zone: ZoneInfo) -> Message:
    lines = [f"Hello {facts.patient_first_name},", "",
             f"You asked {facts.agency_name} to send your messages to this email address. To confirm it, open:",
             facts.invitation_url or "", "",
             f"The link works once, until {_when(facts.invitation_expires_at, zone)}.",
             f"Did not ask for this? Ignore it: nothing changes. Questions: {facts.agency_phone}."]
    return Message(f"Confirm your email for {facts.agency_name}", "\n".join(lines) + "\n")


def email_message(facts: MessageFacts) -> Message:
    zone = ZoneInfo(facts.zone)
    if facts.kind == "portal_invitation":
        return _invitation_email(facts, zone)
    if facts.kind == "email_confirmation":
        return _confirmation_email(facts, zone)
    call = f"Questions, or need to change the time? Call {facts.agency_name} on {facts.agency_phone}."
    if facts.kind == "lab_draw":
        subject = "Reminder: follow-up blood test"
        body = [f"Your follow-up blood test is due {_when(facts.draw_due_at, zone)}.", LAB_ADVICE]
    else:
        subject = "Reminder: home visit tomorrow" if facts.kind == "visit_eve" else "Reminder: home visit today"
        nurse = f"Your nurse {facts.nurse_first_name}" if facts.nurse_first_name else "Your nurse"
        body = [f"{nurse} will visit you {_window(facts.visit_starts_at, facts.visit_ends_at, zone)}.", HYDRATION_ADVICE]
    lines = [f"Hello {facts.patient_first_name},", "", *body, "", call]
    if facts.unsubscribe_url:
        lines += ["", f"To stop email reminders: {facts.unsubscribe_url}"]
    return Message(subject, "\n".join(lines) + "\n")


def sms_text(facts: MessageFacts) -> str:
    zone = ZoneInfo(facts.zone)
    if facts.kind == "portal_invitation":
        return (f"{facts.agency_name}: set your patient portal password at {facts.invitation_url} "
                f"(works once, until {_when(facts.invitation_expires_at, zone)}).")
    if facts.kind == "lab_draw":
        text = f"{facts.agency_name}: follow-up blood test due {_when(facts.draw_due_at, zone)}."
    else:
        who = f"Nurse {facts.nurse_first_name}" if facts.nurse_first_name else "Your nurse"
        text = f"{facts.agency_name}: {who} visits {_window(facts.visit_starts_at, facts.visit_ends_at, zone)}. Drink plenty of water today."
    return f"{text} Call {facts.agency_phone} to change. Reply STOP to opt out."
