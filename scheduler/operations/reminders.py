"""Reminder rows (the outbox), written in the transaction of the change that implies them.

A booked visit gets its reminders; a moved visit's pending rows are cancelled and new ones
written for its new time and version (the dedupe key names the version, so a message about
the old time can never be mistaken for one about the new); a cancelled visit's rows are
cancelled. Which channels: the patient's preference, where he consented and we have the
address. The worker re-checks all of this just before sending.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from scheduler.reminders import timing
from scheduler.reminders.timing import to_utc
from scheduler.models import LabDraw, Patient, Reminder, Visit
from scheduler.operations import DomainError, NotFound
from scheduler.operations.access import record_change

OPEN_STATUSES = ("pending", "sending", "failed")


def quiet_hours(patient: Patient) -> tuple:
    return (patient.quiet_start or timing.DEFAULT_QUIET[0], patient.quiet_end or timing.DEFAULT_QUIET[1])


def channels_for(patient: Patient) -> list[str]:
    """The channels a reminder may go by now: wanted, consented to, and with an address."""
    wanted = {"email": ("email",), "sms": ("sms",), "both": ("email", "sms")}.get(patient.preferred_channel, ())
    allowed = []
    if "email" in wanted and patient.email_consent_at and patient.email:
        allowed.append("email")
    if "sms" in wanted and patient.sms_consent_at and patient.phone_e164:
        allowed.append("sms")
    return allowed


def patients_messaged(session: Session, messages: list[dict]) -> set[int]:
    """The patients that console-channel messages ({"key", "to", ...}) were for: by the
    reminder's dedupe key, else by the address they went to (for auditing the outbox page)."""
    keys = {m.get("key") for m in messages} - {None}
    addresses = {m.get("to") for m in messages} - {None, ""}
    found = set(session.scalars(select(Reminder.patient_id).where(Reminder.dedupe_key.in_(keys)))) if keys else set()
    if addresses:
        found.update(session.scalars(select(Patient.id).where(
            or_(Patient.phone_e164.in_(addresses), Patient.email.in_(addresses)))))
    return found


def visit_key(visit: Visit, kind: str, channel: str) -> str:
    return f"visit-{visit.id}-v{visit.version}-{kind}-{channel}"


def draw_key(draw: LabDraw, channel: str) -> str:
    return f"draw-{draw.id}-{channel}"


def _ensure(session: Session, *, key: str, planned: timing.Planned, channel: str, patient_id: int, now: datetime,
            visit_id: int | None = None, lab_draw_id: int | None = None) -> None:
    """One row per dedupe key: created, or re-opened if it was cancelled and never sent."""
    if planned.expires_at <= now:
        return
    row = session.scalar(select(Reminder).where(Reminder.dedupe_key == key))
    if row is None:
        session.add(Reminder(kind=planned.kind, channel=channel, patient_id=patient_id, visit_id=visit_id,
                             lab_draw_id=lab_draw_id, due_at=planned.due_at, expires_at=planned.expires_at,
                             next_attempt_at=planned.due_at, dedupe_key=key, status="pending", attempts=0))
    elif row.status == "cancelled":
        row.status, row.due_at, row.next_attempt_at, row.expires_at = "pending", planned.due_at, planned.due_at, planned.expires_at
        row.attempts, row.last_error = 0, None


def plan_visit(session: Session, visit: Visit, *, now: datetime) -> None:
    patient = visit.patient or session.get(Patient, visit.patient_id)
    zone = ZoneInfo(patient.timezone)
    for planned in timing.visit_reminders(visit.starts_at, zone, quiet_hours(patient), morning_of=patient.morning_reminder):
        for channel in channels_for(patient):
            _ensure(session, key=visit_key(visit, planned.kind, channel), planned=planned, channel=channel,
                    patient_id=patient.id, visit_id=visit.id, now=now)


def plan_draw(session: Session, draw: LabDraw, patient: Patient, *, now: datetime) -> None:
    planned = timing.lab_reminder(draw.due_at, ZoneInfo(patient.timezone), quiet_hours(patient))
    for channel in channels_for(patient):
        _ensure(session, key=draw_key(draw, channel), planned=planned, channel=channel, patient_id=patient.id,
                lab_draw_id=draw.id, now=now)


# The messages that carry a calendar file: once one of these went out, the patient may have
# the event in his calendar, and a move or a cancellation must reach it too.
CALENDAR_KINDS = ("visit_eve", "visit_morning", "visit_update")


def _calendar_sent(session: Session, *, visit_id: int | None = None, lab_draw_id: int | None = None) -> bool:
    query = select(Reminder.id).where(Reminder.status == "sent")
    if visit_id is not None:
        query = query.where(Reminder.visit_id == visit_id, Reminder.kind.in_(CALENDAR_KINDS))
    else:
        query = query.where(Reminder.lab_draw_id == lab_draw_id, Reminder.kind == "lab_draw")
    return session.scalar(query.limit(1)) is not None


def notify_now(session: Session, *, kind: str, key: str, patient: Patient, until: datetime, now: datetime,
               visit_id: int | None = None, lab_draw_id: int | None = None) -> None:
    """A notice due at once (quiet hours still apply), useful until `until`, on every
    channel the patient has now."""
    planned = timing.Planned(kind, to_utc(now), to_utc(until))
    for channel in channels_for(patient):
        _ensure(session, key=f"{key}-{channel}", planned=planned, channel=channel, patient_id=patient.id,
                visit_id=visit_id, lab_draw_id=lab_draw_id, now=now)


def notify_draw_cancelled(session: Session, draw: LabDraw, *, now: datetime) -> None:
    """Only if its reminder (with the calendar file) went out: otherwise nothing to take back."""
    if _calendar_sent(session, lab_draw_id=draw.id):
        patient = session.get(Patient, draw.patient_id)
        _opens, closes = timing.draw_window(draw.due_at, ZoneInfo(patient.timezone))
        notify_now(session, kind="draw_cancel", key=f"draw-{draw.id}-cancel", patient=patient, until=closes,
                   now=now, lab_draw_id=draw.id)


def close_open(session: Session, *, reason: str, status: str = "cancelled", visit_id: int | None = None,
               lab_draw_id: int | None = None, patient_id: int | None = None, channels=None) -> int:
    """Cancel (or expire) the rows not sent yet. A row a worker is sending right now is
    closed too: the worker's final update only touches rows still in `sending`."""
    query = update(Reminder).where(Reminder.status.in_(OPEN_STATUSES))
    if visit_id is not None:
        query = query.where(Reminder.visit_id == visit_id)
    if lab_draw_id is not None:
        query = query.where(Reminder.lab_draw_id == lab_draw_id)
    if patient_id is not None:
        # A portal invitation is the coordinator's message, with its own lifecycle
        # (operations/invitations.py); a change of reminder preferences leaves it alone.
        query = query.where(Reminder.patient_id == patient_id, Reminder.invitation_id.is_(None))
    if channels is not None:
        query = query.where(Reminder.channel.in_(channels))
    result = session.execute(query.values(status=status, last_error=reason, lease_until=None)
                             .execution_options(synchronize_session=False))
    return result.rowcount


def on_visit_changed(session: Session, visit: Visit, change: str, *, now: datetime) -> None:
    if change == "booked":
        plan_visit(session, visit, now=now)
    elif change == "rescheduled":
        close_open(session, visit_id=visit.id, reason="visit rescheduled")
        if _calendar_sent(session, visit_id=visit.id):
            notify_now(session, kind="visit_update", key=f"visit-{visit.id}-v{visit.version}-update",
                       patient=visit.patient or session.get(Patient, visit.patient_id), until=visit.starts_at,
                       now=now, visit_id=visit.id)
        plan_visit(session, visit, now=now)
    elif change == "cancelled":
        close_open(session, visit_id=visit.id, reason="visit cancelled")
        if _calendar_sent(session, visit_id=visit.id):
            notify_now(session, kind="visit_cancel", key=f"visit-{visit.id}-cancel",
                       patient=visit.patient or session.get(Patient, visit.patient_id), until=visit.starts_at,
                       now=now, visit_id=visit.id)
    elif change == "completed":
        close_open(session, visit_id=visit.id, reason="visit completed", status="expired")
    else:
        raise ValueError(f"unknown visit change {change!r}")


def replan_patient(session: Session, patient: Patient, *, now: datetime) -> None:
    """After a change of channel, consent, quiet hours or time zone: close what may no
    longer go out and plan again for every future visit and open draw."""
    # Times depend on zone and quiet hours and channels on consent: close every row still
    # waiting, then plan again; rows for unchanged times are re-opened under the same key.
    close_open(session, patient_id=patient.id, reason="preferences changed")
    session.flush()
    for visit in session.scalars(select(Visit).where(Visit.patient_id == patient.id, Visit.status == "booked",
                                                     Visit.starts_at > now)):
        plan_visit(session, visit, now=now)
    for draw in session.scalars(select(LabDraw).where(LabDraw.patient_id == patient.id, LabDraw.status == "scheduled")):
        plan_draw(session, draw, patient, now=now)


def retry_failed(session: Session, reminder_id: int, *, actor, now: datetime) -> Reminder:
    """The coordinator's retry: a failed row goes back to the queue with fresh attempts."""
    row = session.get(Reminder, reminder_id)
    if row is None:
        raise NotFound(f"No reminder #{reminder_id}.")
    if row.status != "failed":
        raise DomainError(f"Reminder #{row.id} is {row.status}; only failed reminders can be retried.")
    row.status, row.attempts, row.next_attempt_at, row.lease_until, row.claimed_by = "pending", 0, now, None, None
    record_change(session, actor, object_type="reminder", object_id=row.id, patient_id=row.patient_id, now=now,
                  action="retry")
    session.flush()
    return row


def set_consent(session: Session, patient: Patient, channel: str, given: bool, *, actor, now: datetime, via: str) -> None:
    """STOP / START replies, the unsubscribe link, the portal: the consent timestamp is the record."""
    attribute = {"email": "email_consent_at", "sms": "sms_consent_at"}[channel]
    if bool(getattr(patient, attribute)) == given:
        return
    setattr(patient, attribute, now if given else None)
    record_change(session, actor, object_type="patient", object_id=patient.id, patient_id=patient.id, now=now,
                  action="consent_given" if given else "consent_withdrawn", details={"channel": channel, "via": via})
    session.flush()
    replan_patient(session, patient, now=now)
