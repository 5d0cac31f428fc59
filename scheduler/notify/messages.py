"""Reminder texts: what the patient reads, in his own time zone.

Short and discreet: a lock screen or a shared inbox may show them, so no diagnosis, no
drug name, no clinical numbers; only what the patient needs to act (when, who comes, how
long, how to prepare, which test and where, whom to call). The test is named because the
patient has to ask the lab for it; the premedication is only pointed to (its instructions
name medicines and are on the portal page).

Every email has a plain-text and an HTML part built from the same blocks, and a visit or
draw email carries its calendar file (scheduler/notify/ics.py). SMS go through
scheduler/notify/sms.py: GSM-7, 160 characters, or parts numbered "(1/2)".

A portal invitation and an email confirmation are not reminders but go out the same way: the
same two email parts (the signed link as an anchor in HTML), no calendar file; the invitation
by SMS too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from markupsafe import escape

from scheduler.notify import ics
from scheduler.notify.sms import split_sms

LAB_ADVICE = "If the blood test cannot happen in this time, please call us so we can arrange another."
# The nurse's drive is an estimate: the patient is given a window around the booked start.
ARRIVAL_SLACK = timedelta(minutes=15)
TEST_NAMES = {"platelet_count": "platelet count"}
VISIT_KINDS = ("visit_eve", "visit_morning", "visit_update", "visit_cancel")
CANCEL_KINDS = ("visit_cancel", "draw_cancel")


class Advice(Protocol):
    """The patient advice of the organisation's protocol file (scheduler.clinical.advice.PatientAdvice)."""

    hydration: str
    clothing: str
    premedication: str
    sms_preparation: str
    sms_premedication: str


@dataclass(frozen=True)
class VisitFacts:
    visit_id: int
    starts_at: datetime
    ends_at: datetime
    nurse_first_name: str | None
    address: str
    version: int  # the visit's version: the calendar file's SEQUENCE follows it
    premedication: bool


@dataclass(frozen=True)
class DrawFacts:
    draw_id: int
    opens_at: datetime
    closes_at: datetime
    test: str  # the code on the draw, e.g. platelet_count
    place: str  # lab or home


@dataclass(frozen=True)
class MessageFacts:
    kind: str  # see scheduler.models.reminders.REMINDER_KINDS
    zone: str  # the patient's IANA zone
    patient_first_name: str
    agency_name: str
    agency_phone: str
    visit: VisitFacts | None = None
    draw: DrawFacts | None = None
    advice: Advice | None = None  # needed for visit messages; the sender supplies it
    patient_email: str | None = None
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
    html: str
    ics: bytes | None = None
    ics_method: str | None = None  # REQUEST or CANCEL


# -- times in words ----------------------------------------------------------------------

def _day(local: datetime) -> str:
    return f"{local:%A} {local.day} {local:%B}"


def _short_day(local: datetime) -> str:
    return f"{local:%a} {local.day} {local:%b}"


def _hm(local: datetime) -> str:
    return f"{local:%H:%M}"


def _span(a: datetime, b: datetime) -> str:
    """"between 08:45 and 09:15 (EDT)"; each end with its own zone if a clock change falls between."""
    if a.tzname() == b.tzname():
        return f"between {_hm(a)} and {_hm(b)} ({a.tzname()})"
    return f"between {_hm(a)} ({a.tzname()}) and {_hm(b)} ({b.tzname()})"


def _length(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    hours, rest = divmod(minutes, 60)
    words = []
    if hours:
        words.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest:
        words.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(words) or "a few minutes"


def _short_length(delta: timedelta) -> str:
    hours, rest = divmod(round(delta.total_seconds() / 60), 60)
    return f"{hours} h {rest} min" if hours and rest else f"{hours} h" if hours else f"{rest} min"


def _when(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{_day(local)} at {_hm(local)} ({local.tzname()})"


# -- what each message says ----------------------------------------------------------------

@dataclass(frozen=True)
class _Link:
    """A block that is a link: the address on its own line in text, an anchor in HTML."""

    url: str
    label: str


@dataclass(frozen=True)
class _Content:
    subject: str
    blocks: list  # str paragraphs, lists of str (bullets), or a _Link
    sms: str
    entry: ics.CalendarEntry | None = None  # without uid domain filled in


def _advice(facts: MessageFacts) -> Advice:
    if facts.advice is None:
        raise ValueError("a visit reminder needs the organisation's patient advice (MessageFacts.advice)")
    return facts.advice


def _cancelled(facts: MessageFacts, what: str, when: str, short_when: str, entry: ics.CalendarEntry) -> _Content:
    """A cancellation: what it was and when, whom to call; the calendar file removes it."""
    blocks = [f"Your {what} on {when} is cancelled: you do not need to be ready for it. "
              "The calendar file attached removes it from your calendar.",
              f"Questions? Call {facts.agency_name} on {facts.agency_phone}."]
    sms = (f"{facts.agency_name}: your {what} on {short_when} is cancelled. "
           f"Questions? Call {facts.agency_phone}. Reply STOP to opt out.")
    return _Content(f"Cancelled: your {what} on {when.split(' at ')[0]}", blocks, sms, entry)


def _visit_content(facts: MessageFacts, zone: ZoneInfo) -> _Content:
    v = facts.visit
    start, end = v.starts_at.astimezone(zone), v.ends_at.astimezone(zone)
    arrive = _span((v.starts_at - ARRIVAL_SLACK).astimezone(zone), (v.starts_at + ARRIVAL_SLACK).astimezone(zone))
    nurse = f"Your nurse {v.nurse_first_name}" if v.nurse_first_name else "Your nurse"
    call = f"Questions, or need to change the time? Call {facts.agency_name} on {facts.agency_phone}."
    entry = ics.CalendarEntry(
        uid=f"visit-{v.visit_id}", sequence=max(v.version - 1, 0), starts_at=v.starts_at, ends_at=v.ends_at,
        summary=f"Home visit: nurse {v.nurse_first_name}" if v.nurse_first_name else "Home visit",
        location=v.address, cancelled=facts.kind == "visit_cancel",
    )
    if facts.kind == "visit_cancel":
        return _cancelled(facts, "home visit", f"{_day(start)} at {_hm(start)} ({start.tzname()})",
                          f"{_short_day(start)} at {_hm(start)} {start.tzname()}", entry)
    advice = _advice(facts)
    prepare = [advice.hydration, advice.clothing] + ([advice.premedication] if v.premedication else [])
    length = v.ends_at - v.starts_at
    lead = {"visit_eve": "", "visit_morning": "", "visit_update": "Your home visit has a new time. "}[facts.kind]
    blocks = [
        f"{lead}{nurse} will come on {_day(start)} and arrive {arrive}.",
        f"The visit lasts about {_length(length)}, so please plan to be at home until about "
        f"{_hm(end)} ({end.tzname()}).",
        "To prepare:", prepare,
        "The calendar file attached puts the visit in your calendar.",
        call,
    ]
    subject = {
        "visit_eve": f"Reminder: home visit tomorrow, {_day(start)}",
        "visit_morning": f"Reminder: home visit today, {_day(start)}",
        "visit_update": f"New time for your home visit: {_day(start)}",
    }[facts.kind]
    who = f"Nurse {v.nurse_first_name}" if v.nurse_first_name else "Your nurse"
    moved = "New time: " if facts.kind == "visit_update" else ""
    sms = (f"{facts.agency_name}: {moved}{who} arrives {_short_day(start)} "
           f"{_hm((v.starts_at - ARRIVAL_SLACK).astimezone(zone))}-{_hm((v.starts_at + ARRIVAL_SLACK).astimezone(zone))} "
           f"{start.tzname()}, visit about {_short_length(length)}. {advice.sms_preparation} "
           f"{advice.sms_premedication + ' ' if v.premedication else ''}"
           f"Call {facts.agency_phone} to change. Reply STOP to opt out.")
    return _Content(subject, blocks, sms, entry)


def _draw_content(facts: MessageFacts, zone: ZoneInfo) -> _Content:
    d = facts.draw
    opens, closes = d.opens_at.astimezone(zone), d.closes_at.astimezone(zone)
    test = TEST_NAMES.get(d.test, d.test.replace("_", " "))
    where = ("at your laboratory: please go there in this time" if d.place == "lab"
             else "at your home: a nurse will come to take the blood in this time")
    entry = ics.CalendarEntry(
        uid=f"draw-{d.draw_id}", sequence=1 if facts.kind == "draw_cancel" else 0, starts_at=d.opens_at,
        ends_at=d.closes_at, summary=f"Blood test ({test}) {'at the lab' if d.place == 'lab' else 'at home'}",
        cancelled=facts.kind == "draw_cancel",
    )
    if facts.kind == "draw_cancel":
        return _cancelled(facts, f"blood test ({test})", _day(opens), _short_day(opens), entry)
    blocks = [
        f"Your follow-up blood test ({test}) is due on {_day(opens)}, {_span(opens, closes)}.",
        f"Where: {where}.",
        LAB_ADVICE,
        "The calendar file attached puts the blood test in your calendar.",
        f"Questions? Call {facts.agency_name} on {facts.agency_phone}.",
    ]
    place = "at your lab" if d.place == "lab" else "at home (a nurse comes)"
    sms = (f"{facts.agency_name}: blood test ({test}) {place} {_short_day(opens)} {_hm(opens)}-{_hm(closes)} "
           f"{closes.tzname()}. To change: {facts.agency_phone}. Reply STOP to opt out.")
    return _Content(f"Reminder: blood test ({test}), {_day(opens)}", blocks, sms, entry)


def _link_content(facts: MessageFacts, zone: ZoneInfo) -> _Content:
    """A portal invitation (set a password) or a new email address to confirm: the signed
    single-use link and until when it works; no calendar file."""
    until = _when(facts.invitation_expires_at, zone)
    if facts.kind == "portal_invitation":
        subject, label = f"Your patient portal at {facts.agency_name}", "Set your portal password"
        intro = [f"{facts.agency_name} invites you to your patient portal: your upcoming home visits and "
                 "blood tests, and your reminder settings, in one place.", "To set your password, open this link:"]
        closing = f"Did not expect this? Ignore it, or call {facts.agency_name} on {facts.agency_phone}."
        sms_action = "set your patient portal password"
    else:
        subject, label = f"Confirm your email for {facts.agency_name}", "Confirm this email address"
        intro = [f"You asked {facts.agency_name} to send your messages to this email address. To confirm it, open:"]
        closing = f"Did not ask for this? Ignore it: nothing changes. Questions: {facts.agency_phone}."
        sms_action = "confirm your new email address"
    blocks = [*intro, _Link(facts.invitation_url or "", label), f"The link works once, until {until}.", closing]
    expires = facts.invitation_expires_at.astimezone(zone)
    sms = (f"{facts.agency_name}: {sms_action} at {facts.invitation_url} "
           f"(works once, until {_short_day(expires)} {_hm(expires)} {expires.tzname()}).")
    return _Content(subject, blocks, sms)


def _content(facts: MessageFacts) -> _Content:
    zone = ZoneInfo(facts.zone)
    if facts.kind in ("portal_invitation", "email_confirmation"):
        return _link_content(facts, zone)
    return _visit_content(facts, zone) if facts.kind in VISIT_KINDS else _draw_content(facts, zone)


# -- rendering -----------------------------------------------------------------------------

def _text(blocks: list) -> str:
    out = []
    for block in blocks:
        if isinstance(block, _Link):
            out.append(block.url)
        else:
            out.append("\n".join(f"- {item}" for item in block) if isinstance(block, list) else block)
    return "\n\n".join(out)


def _html(blocks: list) -> str:
    out = []
    for block in blocks:
        if isinstance(block, _Link):
            out.append(f'<p><a href="{escape(block.url)}">{escape(block.label)}</a><br>{escape(block.url)}</p>')
        elif isinstance(block, list):
            out.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in block) + "</ul>")
        else:
            out.append(f"<p>{escape(block)}</p>")
    return "\n".join(out)


def email_message(facts: MessageFacts, *, stamp: datetime, organizer_email: str = "reminders@localhost",
                  uid_domain: str = "localhost") -> Message:
    """`stamp`: when the message is made (the calendar file's DTSTAMP)."""
    content = _content(facts)
    greeting = f"Hello {facts.patient_first_name},"
    blocks = [greeting, *content.blocks]
    text, html = _text(blocks), _html(blocks)
    if facts.unsubscribe_url:
        text += f"\n\nTo stop email reminders: {facts.unsubscribe_url}"
        html += f'\n<p><small><a href="{escape(facts.unsubscribe_url)}">Stop email reminders</a></small></p>'
    html = (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(content.subject)}</title></head>'
            f'<body style="font-family: sans-serif; font-size: 16px; line-height: 1.5">\n{html}\n</body></html>\n')
    calendar_file = method = None
    if content.entry is not None:
        entry = replace(content.entry, uid=f"{content.entry.uid}@{uid_domain}")
        calendar_file, method = ics.invitation(entry, stamp=stamp, organizer_email=organizer_email,
                                               organizer_name=facts.agency_name, attendee_email=facts.patient_email)
    return Message(content.subject, text + "\n", html, calendar_file, method)


def sms_parts(facts: MessageFacts) -> list[str]:
    """The SMS as sent: one GSM-7 message of at most 160 characters, or numbered parts."""
    return split_sms(_content(facts).sms)


def sms_text(facts: MessageFacts) -> str:
    return " ".join(sms_parts(facts))
