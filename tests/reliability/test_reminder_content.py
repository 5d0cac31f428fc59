"""What the patient receives, as received: through a real SMTP server (aiosmtpd) and the
SMS endpoint, parsed back into parts, and the calendar files parsed with icalendar.

Every instant is chosen here (the sweep's clock is a fixed datetime), never the wall clock.
"""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta, timezone
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from scheduler.db import make_engine, make_sessionmaker
from scheduler.models import LabDraw, Reminder
from scheduler.notify.channels import EmailChannel, SmsChannel
from scheduler.notify.sms import septets
from scheduler.operations.labs import set_draw_status
from scheduler.operations.visits import cancel_visit, visit_changed
from scheduler.reminders.relay import RelaySettings, sweep
from tests.factories import make_nurse, make_order, make_user, make_visit
from tests.reliability.reminder_rig import SmsRecorder, SmtpRecorder, reminder_patient

CHICAGO = ZoneInfo("America/Chicago")
BOOKED_AT = datetime(2026, 11, 16, 15, 0, tzinfo=timezone.utc)
VISIT_START = datetime(2026, 11, 23, 9, 0, tzinfo=CHICAGO)  # Monday 09:00 CST
EVE = datetime(2026, 11, 22, 18, 0, tzinfo=CHICAGO)  # the evening-before reminder is due
PREMEDICATION = "Acetaminophen 650 mg PO 30 min before"


@pytest.fixture
def relay(database_url, session):
    engine = make_engine(database_url)
    with SmtpRecorder() as mailbox, SmsRecorder() as sms:
        channels = {"email": EmailChannel(host="127.0.0.1", port=mailbox.port, mail_from="reminders@agency.example"),
                    "sms": SmsChannel(api_url=sms.url, account_sid="AC", auth_token="t", sms_from="+15550000000")}

        def run(at: datetime):
            session.commit()  # SQLite: the test's reads end, so the sweep can take the write lock
            settings = RelaySettings(worker="test:1", channels=channels, secret_key="k",
                                     public_base_url="https://care.example", mail_from="reminders@agency.example",
                                     now_fn=lambda: at.astimezone(timezone.utc), stop=threading.Event())
            sweep(make_sessionmaker(engine), settings)
            return [message_from_bytes(raw, policy=policy.default) for raw in mailbox.take()]

        yield run, sms
        channels["email"].close()
    engine.dispose()


def parts(message) -> dict[str, object]:
    found = {}
    for part in message.walk():
        if part.get_content_maintype() != "multipart":
            found.setdefault(part.get_content_type(), part)
    return found


def calendar_of(message) -> tuple[Calendar, object]:
    part = parts(message)["text/calendar"]
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    assert part.get_param("method") == str(calendar["METHOD"])
    [event] = calendar.walk("VEVENT")
    return calendar, event


@pytest.fixture
def booked(session):
    patient = reminder_patient(session, channel="both", now=BOOKED_AT, first_name="Maria")
    order = make_order(session, patient=patient, premedication=PREMEDICATION, draw_place="home", days=1,
                       lab_follow_up_hours=[24])
    visit = make_visit(session, order=order, nurse=make_nurse(session, first_name="Nora"),
                       starts_at=VISIT_START.astimezone(timezone.utc), duration=timedelta(hours=5, minutes=30))
    visit_changed(session, visit, "booked", now=BOOKED_AT)
    session.commit()
    return patient, visit


def test_visit_reminder_email_has_text_html_and_a_calendar_invitation(session, booked, relay):
    run, sms = relay
    _patient, visit = booked
    [message] = run(EVE)
    found = parts(message)
    text, html = found["text/plain"].get_content(), found["text/html"].get_content()
    assert message["Subject"] == "Reminder: home visit tomorrow, Monday 23 November"
    for body in (text, html):
        assert "Nora" in body and "Monday 23 November" in body
        assert "between 08:45 and 09:15 (CST)" in body  # the arrival window, patient's zone
        assert "5 hours 30 minutes" in body and "until about 14:30 (CST)" in body
        assert "64 oz" in body and "short sleeves" in body  # the protocol file's advice
        assert "medicine your care team prescribed" in body  # the order has premedication ...
        assert "Acetaminophen" not in body  # ... which is pointed to, never named
    assert "<li>" in html and "<script" not in html
    calendar, event = calendar_of(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"visit-{visit.id}@care.example" and int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == VISIT_START and event.decoded("DTEND") == VISIT_START + timedelta(hours=5, minutes=30)
    assert "2 Elm St" in str(event["LOCATION"]) and str(event["STATUS"]) == "CONFIRMED"
    # The SMS: GSM-7 within 160 per message, or visibly numbered parts.
    bodies = sms.bodies
    assert bodies and all(septets(b) <= 160 for b in bodies)
    if len(bodies) > 1:
        assert [b[:5] for b in bodies] == [f"({i}/{len(bodies)})" for i in range(1, len(bodies) + 1)]
    assert "Nora" in " ".join(bodies) and "08:45-09:15 CST" in " ".join(bodies)


def test_a_moved_visit_updates_the_calendar_entry_and_a_cancelled_one_removes_it(session, booked, relay):
    run, _sms = relay
    _patient, visit = booked
    run(EVE)  # the evening reminder, with the invitation, went out
    moved_at = EVE + timedelta(hours=1)
    visit.starts_at, visit.ends_at = visit.starts_at + timedelta(days=2), visit.ends_at + timedelta(days=2)
    visit.version += 1
    visit_changed(session, visit, "rescheduled", now=moved_at.astimezone(timezone.utc))
    session.commit()
    [update] = run(moved_at)
    assert update["Subject"] == "New time for your home visit: Wednesday 25 November"
    calendar, event = calendar_of(update)
    assert str(calendar["METHOD"]) == "REQUEST" and int(event["SEQUENCE"]) == 1
    assert str(event["UID"]) == f"visit-{visit.id}@care.example"
    assert event.decoded("DTSTART") == VISIT_START + timedelta(days=2)

    cancelled_at = moved_at + timedelta(minutes=30)
    cancel_visit(session, visit.id, "patient in hospital", actor=make_user(session, role="coordinator"),
                 now=cancelled_at.astimezone(timezone.utc))
    session.commit()
    [cancel] = run(cancelled_at)
    assert cancel["Subject"] == "Cancelled: your home visit on Wednesday 25 November"
    calendar, event = calendar_of(cancel)
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == f"visit-{visit.id}@care.example" and int(event["SEQUENCE"]) == 2
    assert "is cancelled" in parts(cancel)["text/plain"].get_content()
    assert run(cancelled_at + timedelta(days=3)) == []  # nothing more about this visit


def test_a_visit_moved_before_any_message_went_out_sends_no_notice(session, booked, relay):
    run, _sms = relay
    _patient, visit = booked
    visit.starts_at, visit.ends_at = visit.starts_at + timedelta(days=1), visit.ends_at + timedelta(days=1)
    visit.version += 1
    visit_changed(session, visit, "rescheduled", now=BOOKED_AT + timedelta(hours=1))
    session.commit()
    assert {r.kind for r in session.scalars(select(Reminder))} == {"visit_eve"}
    [message] = run(EVE + timedelta(days=1))  # the evening before the new day, carrying SEQUENCE 1
    assert int(calendar_of(message)[1]["SEQUENCE"]) == 1


def complete(session, visit, when):
    visit.status = "completed"
    session.flush()
    visit_changed(session, visit, "completed", now=when)
    session.commit()


def test_draw_reminder_names_the_test_the_place_and_the_window_and_its_cancel_removes_it(session, booked, relay):
    run, sms = relay
    _patient, visit = booked
    run(EVE)
    sms.bodies.clear()
    complete(session, visit, visit.ends_at)  # ended Monday 14:30 CST: draw due Tuesday 14:30
    [draw] = session.scalars(select(LabDraw)).all()
    [message] = run(datetime(2026, 11, 24, 9, 30, tzinfo=CHICAGO))  # window opens 12:30, reminder 3 h before
    text = parts(message)["text/plain"].get_content()
    assert message["Subject"] == "Reminder: blood test (platelet count), Tuesday 24 November"
    assert "platelet count" in text and "between 12:30 and 16:30 (CST)" in text
    assert "at your home: a nurse will come" in text  # the order's draw place
    calendar, event = calendar_of(message)
    assert str(event["UID"]) == f"draw-{draw.id}@care.example"
    assert event.decoded("DTSTART") == datetime(2026, 11, 24, 12, 30, tzinfo=CHICAGO)
    assert event.decoded("DTEND") == datetime(2026, 11, 24, 16, 30, tzinfo=CHICAGO)
    assert "platelet count" in " ".join(sms.bodies) and "at home" in " ".join(sms.bodies)

    set_draw_status(session, draw.id, "cancelled", actor=make_user(session, role="coordinator"),
                    now=datetime(2026, 11, 24, 10, tzinfo=CHICAGO).astimezone(timezone.utc))
    session.commit()
    [cancel] = run(datetime(2026, 11, 24, 10, 1, tzinfo=CHICAGO))
    calendar, event = calendar_of(cancel)
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["UID"]) == f"draw-{draw.id}@care.example"
    assert int(event["SEQUENCE"]) == 1 and str(event["STATUS"]) == "CANCELLED"


def test_a_lab_draw_reminder_says_go_to_the_lab(session, relay):
    run, _sms = relay
    patient = reminder_patient(session, channel="email", now=BOOKED_AT, quiet_start=time(0), quiet_end=time(0))
    order = make_order(session, patient=patient, days=1, lab_follow_up_hours=[48])  # draw_place defaults to lab
    visit = make_visit(session, order=order, starts_at=VISIT_START.astimezone(timezone.utc))
    session.commit()
    complete(session, visit, visit.ends_at)
    [message] = run(datetime(2026, 11, 25, 9, 30, tzinfo=CHICAGO))
    assert "at your laboratory: please go there in this time" in parts(message)["text/plain"].get_content()
