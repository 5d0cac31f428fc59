"""The worker, as a real process, against a real SMTP server and a real HTTP SMS endpoint:
cancelled and moved visits never reach the server, downtime loses nothing useful, retries
back off, and SIGTERM leaves no row mid-send."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from scheduler.clock import utcnow
from scheduler.db import make_engine, make_sessionmaker
from scheduler.models import LabDraw, Reminder, Visit
from scheduler.notify.channels import EmailChannel, SmsChannel
from scheduler.operations.visits import visit_changed
from scheduler.reminders.relay import RelaySettings, sweep
from tests.factories import make_nurse, make_order, make_user, make_visit
from tests.reliability.reminder_rig import (
    SmsRecorder,
    SmtpRecorder,
    key_of_message_id,
    reminder_patient,
    seed_due_reminders,
    start_worker,
    stop_worker,
    wait_until,
    worker_env,
)


def settled(session) -> bool:
    """Nothing left that the worker could still send now."""
    now = utcnow()
    busy = session.scalar(select(func.count()).select_from(Reminder).where(
        ((Reminder.status == "pending") & (Reminder.next_attempt_at <= now)) | (Reminder.status == "sending")))
    session.rollback()  # SQLite: end the read so the worker can write
    return busy == 0


def visit_for(session, nurse, starts_at, *, now, channel="email"):
    patient = reminder_patient(session, channel=channel, now=now)
    visit = make_visit(session, order=make_order(session, patient=patient), nurse=nurse, starts_at=starts_at)
    visit_changed(session, visit, "booked", now=now)
    return visit


def run_worker_until_settled(session, env, tmp_path):
    worker = start_worker(env, tmp_path / "worker.log", interval_s=0.2, wait_started=True)
    try:
        wait_until(lambda: settled(session), timeout_s=60, what="the queue to settle")
    finally:
        assert stop_worker(worker) == 0


# Friday 20 November, 18:30 in Chicago: tonight's and tomorrow's visits have their evening-before
# reminder (18:00 the day before) due, and none has its morning-of reminder (2 h before) due yet.
@pytest.mark.instant("2026-11-21T00:30:00+00:00")
def test_cancelled_and_moved_visits_never_reach_the_smtp_server(session, database_url, tmp_path):
    now = utcnow()
    coordinator = make_user(session, role="coordinator")
    nurse = make_nurse(session)
    # Fri 21:30, Sat 03:30 (cancelled), Sat 09:30 moved to Sat 13:30.
    kept = visit_for(session, nurse, now + timedelta(hours=3), now=now)
    cancelled = visit_for(session, nurse, now + timedelta(hours=9), now=now)
    moved = visit_for(session, nurse, now + timedelta(hours=15), now=now)
    session.commit()
    from scheduler.operations.visits import cancel_visit

    cancel_visit(session, cancelled.id, "patient unwell", actor=coordinator, now=now)
    moved.starts_at, moved.ends_at = moved.starts_at + timedelta(hours=4), moved.ends_at + timedelta(hours=4)
    moved.version += 1
    visit_changed(session, moved, "rescheduled", now=now)
    session.commit()
    with SmtpRecorder() as smtp:
        run_worker_until_settled(session, worker_env(database_url, smtp=smtp), tmp_path)
        keys = {key_of_message_id(m) for m in smtp.counts()}
        assert sum(smtp.counts().values()) == 2
    assert keys == {f"visit-{kept.id}-v1-visit-eve-email", f"visit-{moved.id}-v2-visit-eve-email"}
    statuses = dict(session.execute(select(Reminder.visit_id, Reminder.status).where(Reminder.visit_id == cancelled.id)).all())
    assert statuses == {cancelled.id: "cancelled"}


# An ordinary Friday morning in Chicago. On the day the clocks go back (CI's libfaketime pass) the
# draw "24 h" after a visit that ended the day before is due at the same local clock time, 25 elapsed
# hours later, so its reminder is not due yet when the worker catches up: by design, tested in
# tests/unit/test_reminders_timing.py (fall back and spring forward).
@pytest.mark.instant("2026-11-20T15:00:00+00:00")
def test_after_3_hours_down_what_is_useful_goes_out_once_and_the_rest_expires(session, database_url, tmp_path):
    now = utcnow()
    booked_at = now - timedelta(hours=3, minutes=5)  # the worker stopped just after this
    nurse = make_nurse(session)
    still_ahead = visit_for(session, nurse, now + timedelta(hours=2), now=booked_at)
    already_started = visit_for(session, make_nurse(session, first_name="Olga"), now - timedelta(hours=1), now=booked_at)
    lab_patient = reminder_patient(session, channel="sms", now=booked_at)
    lab_visit = make_visit(session, order=make_order(session, patient=lab_patient, days=1, lab_follow_up_hours=[24]),
                           nurse=nurse, starts_at=now - timedelta(hours=24))  # ended 19 h ago: draw due in 5 h,
    # its window opens in 2.5-3 h, so its reminder (3 h before that) fell due while the worker was down
    lab_visit.status = "completed"
    visit_changed(session, lab_visit, "completed", now=booked_at)
    session.commit()
    assert session.scalar(select(func.count()).select_from(LabDraw)) == 1
    session.rollback()  # SQLite: end the read, whose BEGIN IMMEDIATE would hold up the worker's start
    with SmtpRecorder() as smtp, SmsRecorder() as sms:
        run_worker_until_settled(session, worker_env(database_url, smtp=smtp, sms=sms), tmp_path)
        email_keys, sms_keys = smtp.counts(), sms.counts()
    assert [key_of_message_id(k) for k in email_keys] == [f"visit-{still_ahead.id}-v1-visit-eve-email"]
    assert set(email_keys.values()) == {1}
    assert list(sms_keys.values()) == [1] and next(iter(sms_keys)).startswith("draw-")
    expired = session.scalar(select(Reminder.status).where(Reminder.visit_id == already_started.id))
    assert expired == "expired"


def test_sigterm_mid_backlog_exits_cleanly_with_no_row_left_mid_send(session, database_url, tmp_path):
    seed_due_reminders(session, 400, now=utcnow(), prefix="term")
    with SmtpRecorder() as smtp:
        worker = start_worker(worker_env(database_url, smtp=smtp, lease_seconds=300), tmp_path / "w.log",
                              interval_s=0.2, wait_started=True)
        wait_until(lambda: sum(smtp.counts().values()) >= 20, timeout_s=30, what="the first sends")
        assert stop_worker(worker) == 0
        delivered = sum(smtp.counts().values())
    by_status = dict(session.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all())
    assert by_status.get("sending", 0) == 0
    assert by_status["sent"] == delivered  # the row in hand was finished and marked
    assert by_status.get("pending", 0) == 400 - delivered


def relay_settings(channels, clock) -> RelaySettings:
    return RelaySettings(worker="test:1", channels=channels, secret_key="k", public_base_url="http://x",
                         batch_size=10, lease=timedelta(minutes=2), max_attempts=3, now_fn=clock,
                         stop=threading.Event())


def test_a_provider_failing_twice_gets_the_message_once_after_backoff(session, database_url):
    seed_due_reminders(session, 1, now=utcnow(), channels=("sms",), patients=1, prefix="flaky")
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    times = [utcnow()]
    with SmsRecorder(fail_first=2) as sms:
        channels = {"sms": SmsChannel(api_url=sms.url, account_sid="AC", auth_token="t", sms_from="+1555")}
        settings = relay_settings(channels, lambda: times[-1])
        outcomes = []
        for _ in range(3):
            outcomes.append(sweep(sessionmaker, settings))
            times.append(times[-1] + timedelta(minutes=5))  # past the backoff
        assert set(sms.counts().values()) == {1}  # each part of the text once
        assert all(len(body) <= 160 for body in sms.bodies)
    row = session.scalar(select(Reminder))
    assert (row.status, row.attempts) == ("sent", 3)
    assert row.provider_id.startswith("SM")
    assert [o["sent"] for o in outcomes] == [0, 0, 1] and [o["retry"] for o in outcomes] == [1, 1, 0]
    engine.dispose()


def test_a_refused_recipient_fails_at_once_and_shows_for_the_coordinator(session, database_url):
    seed_due_reminders(session, 1, now=utcnow(), channels=("email",), patients=1, prefix="refused")
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)

    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
            return "550 no such user"

    from aiosmtpd.controller import Controller

    from tests.reliability.reminder_rig import free_port

    port = free_port()
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        channels = {"email": EmailChannel(host="127.0.0.1", port=port, mail_from="r@agency.example")}
        counts = sweep(sessionmaker, relay_settings(channels, utcnow))
        channels["email"].close()
    finally:
        controller.stop()
    row = session.scalar(select(Reminder))
    assert counts["failed"] == 1 and row.status == "failed" and "550" in row.last_error
    assert "pat@example.org" not in row.last_error  # the error keeps codes, not the address
    from scheduler.operations.calendar import failed_reminders

    assert [r.id for r in failed_reminders(session)] == [row.id]
    assert session.get(Visit, row.visit_id) is not None
    engine.dispose()


def test_a_reminder_found_due_in_quiet_hours_waits_for_their_end_uncounted(session, database_url):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from scheduler.models import Patient

    chicago = ZoneInfo("America/Chicago")
    late_evening = datetime(2026, 11, 22, 23, 30, tzinfo=chicago)  # e.g. the worker was down until now
    seed_due_reminders(session, 1, now=late_evening - timedelta(hours=5), patients=1, prefix="quiet")
    patient = session.scalar(select(Patient))
    patient.quiet_start, patient.quiet_end = time(21), time(8)
    session.commit()
    engine = make_engine(database_url)
    with SmtpRecorder() as smtp:
        channels = {"email": EmailChannel(host="127.0.0.1", port=smtp.port, mail_from="r@agency.example")}
        counts = sweep(make_sessionmaker(engine), relay_settings(channels, lambda: late_evening))
        assert sum(smtp.counts().values()) == 0
    session.expire_all()
    row = session.scalar(select(Reminder))
    assert counts["defer"] == 1
    assert (row.status, row.attempts) == ("pending", 0)
    assert row.next_attempt_at == datetime(2026, 11, 23, 8, 0, tzinfo=chicago)
    engine.dispose()
