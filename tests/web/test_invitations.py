"""Patient portal invitations, end to end: the coordinator sends one from the patient's page,
the outbox delivers it (a real SMTP server, aiosmtpd), the patient follows the link, sets a
password, is linked to his record and sees his visits. Single use, 72 hours, revocable."""

from __future__ import annotations

import re
import socket
import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
import time_machine
from sqlalchemy import select

from scheduler.models import Patient, PortalInvitation, Reminder, User
from scheduler.notify.channels import EmailChannel
from scheduler.reminders.relay import RelaySettings, sweep
from tests.factories import make_nurse, make_order, make_patient, make_visit
from tests.web.pages import error_beside, logged_in_client

MONDAY = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)  # 09:00 in Chicago
PASSWORD = "my own portal password"


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def mailbox():
    from aiosmtpd.controller import Controller

    class Mailbox:
        messages: list = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = Mailbox()
    box.messages = []
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


class SmsBox:
    name = "sms"

    def __init__(self):
        self.sent = []

    def close(self):
        pass

    def send(self, outgoing):
        self.sent.append(outgoing)
        return f"SM{len(self.sent)}"


@pytest.fixture
def world(app, session):
    patient = make_patient(session, first_name="Maria", last_name="Lopez", email="maria@example.org",
                           phone_e164="+13125550199")
    visit = make_visit(session, order=make_order(session, patient=patient), nurse=make_nurse(session),
                       starts_at=datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    session.commit()
    return patient.id, visit.id


def deliver(app, port=None, sms=None) -> dict:
    channels = {"email": EmailChannel(host="127.0.0.1", port=port or 1, mail_from="portal@agency.example"),
                "sms": sms or SmsBox()}
    settings = RelaySettings(worker="tests:1", channels=channels, secret_key=app.config["SECRET_KEY"],
                             public_base_url="http://agency.example", now_fn=lambda: datetime.now(UTC),
                             stop=threading.Event())
    try:
        return sweep(app.extensions["db_sessionmaker"], settings)
    finally:
        channels["email"].close()


def link_path(text: str) -> str:
    match = re.search(r"http://agency\.example(/portal/invitation/\S+)", text)
    assert match, text
    return match.group(1)


def test_invitation_by_email_link_password_and_portal(app, session, world, mailbox):
    patient_id, _ = world
    box, port = mailbox
    coordinator = logged_in_client(app, session, "coordinator")
    response = coordinator.post(f"/patients/{patient_id}/invitation", data={"channel": "email"},
                                follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "Portal invitation queued by email to maria@example.org" in body
    assert "Invitation sent by email to maria@example.org" in body and "(delivery: pending)" in body

    assert deliver(app, port)["sent"] == 1
    [message] = box.messages
    assert message["To"] == "maria@example.org" and "patient portal" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    # The HTML part carries the same link, as an anchor; no calendar file, no "stop reminders".
    html = message.get_body(("html",)).get_content()
    assert re.search(r'<a href="http://[^"]*/portal/invitation/', html)
    assert "text/calendar" not in {part.get_content_type() for part in message.walk()}
    assert "unsubscribe" not in text.lower() and "List-Unsubscribe" not in message
    assert "Hello Maria" in text and "2026-11-19" not in text and "Thursday 19 November at 09:00 (CST)" in text
    path = link_path(text)

    patient = logged_in_client(app, session, "coordinator")  # any other browser: the link is public
    patient.post("/logout")
    page = patient.get(path)
    assert page.status_code == 200 and 'value="maria@example.org"' in page.get_data(as_text=True)
    response = patient.post(path, data={"email": "maria@example.org", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"

    session.expire_all()
    user = session.scalar(select(User).where(User.email == "maria@example.org"))
    assert user.role == "patient" and session.get(Patient, patient_id).user_id == user.id
    session.commit()

    assert patient.post("/login", data={"email": "maria@example.org", "password": PASSWORD}).status_code == 302
    portal = patient.get("/portal/").get_data(as_text=True)
    assert "23 Nov" in portal or "Mon 23" in portal or "2026-11-23" in portal, portal

    again = patient.get(path)  # single use
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    summary = coordinator.get(f"/patients/{patient_id}").get_data(as_text=True)
    assert "Portal login: maria@example.org (active)" in summary


def test_invitation_by_sms_and_a_link_older_than_72_hours(app, session, world, monday):
    patient_id, _ = world
    coordinator = logged_in_client(app, session, "coordinator")
    coordinator.post(f"/patients/{patient_id}/invitation", data={"channel": "sms"})
    sms = SmsBox()
    deliver(app, sms=sms)
    [text] = [o.text for o in sms.sent]
    assert sms.sent[0].to == "+13125550199" and "set your patient portal password" in text
    path = link_path(text)
    monday.shift(timedelta(hours=72, minutes=1))
    response = app.test_client().get(path)
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)


def test_revoked_or_replaced_invitations_stop_working_and_are_not_sent(app, session, world):
    patient_id, _ = world
    coordinator = logged_in_client(app, session, "coordinator")
    coordinator.post(f"/patients/{patient_id}/invitation", data={"channel": "email"})
    coordinator.post(f"/patients/{patient_id}/invitation", data={"channel": "sms"})  # re-sent: the first is revoked
    session.expire_all()
    first, second = session.scalars(select(PortalInvitation).order_by(PortalInvitation.id)).all()
    assert first.revoked_at is not None and second.revoked_at is None
    statuses = dict(session.execute(select(Reminder.invitation_id, Reminder.status)).all())
    assert statuses == {first.id: "cancelled", second.id: "pending"}
    session.commit()
    response = coordinator.post(f"/patients/{patient_id}/invitation/revoke", follow_redirects=True)
    assert "Invitation revoked" in response.get_data(as_text=True)
    sms = SmsBox()
    deliver(app, sms=sms)
    assert sms.sent == []  # nothing goes out for a revoked invitation


def test_a_forged_or_tampered_link_shows_nothing(app, session, world):
    client = app.test_client()
    assert client.get("/portal/invitation/forged-token").status_code == 404


def test_bad_password_is_said_beside_the_field_and_the_email_kept(app, session, world):
    patient_id, _ = world
    coordinator = logged_in_client(app, session, "coordinator")
    coordinator.post(f"/patients/{patient_id}/invitation", data={"channel": "sms"})
    sms = SmsBox()
    deliver(app, sms=sms)
    path = link_path(sms.sent[0].text)
    client = app.test_client()
    response = client.post(path, data={"email": "maria.l@example.org", "password": "short", "confirm": "short"})
    body = response.get_data(as_text=True)
    assert error_beside(body, "password", "") and 'value="maria.l@example.org"' in body
    response = client.post(path, data={"email": "maria.l@example.org", "password": PASSWORD, "confirm": "other"})
    assert error_beside(response.get_data(as_text=True), "confirm", "The two passwords differ.")
    session.expire_all()
    assert session.get(Patient, patient_id).user_id is None


def test_a_patient_without_email_cannot_be_invited_by_email(app, session):
    patient = make_patient(session, email=None, preferred_channel="none")
    session.commit()
    coordinator = logged_in_client(app, session, "coordinator")
    response = coordinator.post(f"/patients/{patient.id}/invitation", data={"channel": "email"}, follow_redirects=True)
    assert "has no email address: add an email address" in response.get_data(as_text=True)
    assert session.scalar(select(PortalInvitation)) is None


def _patient_login(app, session, patient_id):
    from tests.factories import PASSWORD, make_user

    user = make_user(session, role="patient", email="maria.portal@example.org")
    session.get(Patient, patient_id).user_id = user.id
    session.commit()
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_the_patient_changes_his_phone_at_once_normalised(app, session, world):
    patient_id, _ = world
    client = _patient_login(app, session, patient_id)
    page = client.get("/portal/contact").get_data(as_text=True)
    assert 'value="+13125550199"' in page
    response = client.post("/portal/contact", data={"phone": "(773) 555-0142", "email": "maria@example.org"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Patient, patient_id).phone_e164 == "+17735550142"
    session.commit()
    response = client.post("/portal/contact", data={"phone": "12", "email": "maria@example.org"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and error_beside(body, "phone", "not a valid phone number") and 'value="12"' in body


def test_a_new_email_counts_once_confirmed_by_the_link_sent_to_it(app, session, world, mailbox):
    patient_id, _ = world
    box, port = mailbox
    client = _patient_login(app, session, patient_id)
    response = client.post("/portal/contact", data={"phone": "+13125550199", "email": "Maria.New@Example.org"},
                           follow_redirects=True)
    assert "We sent a link to maria.new@example.org" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Patient, patient_id).email == "maria@example.org"  # not yet
    session.commit()
    deliver(app, port)
    [message] = box.messages
    assert message["To"] == "maria.new@example.org"
    path = re.search(r"http://agency\.example(/portal/email/\S+)", message.get_body(("plain",)).get_content()).group(1)
    assert client.get(path).status_code == 302
    session.expire_all()
    assert session.get(Patient, patient_id).email == "maria.new@example.org"
    session.commit()
    assert client.get(path).status_code == 410  # single use
