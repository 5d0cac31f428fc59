"""Patient portal, platelet results and chart, STOP / START webhook, unsubscribe link, the
coordinator's retry and the admin's outbox, through the test client."""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from scheduler.clock import utcnow
from scheduler.models import LabDraw, Patient, Reminder
from scheduler.notify.tokens import sms_signature, unsubscribe_token
from scheduler.operations.visits import visit_changed
from tests.factories import PASSWORD, make_nurse, make_order, make_user, make_visit
from tests.reliability.reminder_rig import reminder_patient


def login(client, user):
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def follow_up(session, *, now=None, **patient_overrides):
    """A patient (with a portal login) whose 1-day course ended yesterday: four draws."""
    now = now or utcnow()
    user = make_user(session, role="patient")
    patient = reminder_patient(session, channel="email", now=now, user_id=user.id, timezone="America/New_York",
                               **patient_overrides)
    visit = make_visit(session, order=make_order(session, patient=patient, days=1), nurse=make_nurse(session),
                       starts_at=now - timedelta(days=1))
    visit.status = "completed"
    visit_changed(session, visit, "completed", now=now)
    draws = list(session.scalars(select(LabDraw).order_by(LabDraw.due_at)))
    session.commit()  # and end the transaction: on SQLite it holds the write lock the app needs
    return user, patient, draws


def read(session, query):
    """One value, then end the read transaction (SQLite: the app's next request must write)."""
    value = session.scalar(query)
    session.rollback()
    return value


def test_portal_shows_the_patients_draws_and_a_post_without_confirmation_marks_nothing(client, session):
    # Confirming within the draw's window, and undoing: tests/web/test_portal_care.py (fixed instants).
    user, patient, draws = follow_up(session)
    login(client, user)
    page = client.get("/portal/", follow_redirects=True).get_data(as_text=True)
    assert "Blood tests" in page and page.count("<strong>Platelet count</strong>") == 4
    response = client.post(f"/portal/draws/{draws[0].id}/drawn")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/portal/draws/{draws[0].id}/drawn")
    session.expire_all()
    assert session.get(LabDraw, draws[0].id).status == "scheduled"
    assert session.scalar(select(Reminder.status).where(Reminder.lab_draw_id == draws[0].id)) == "pending"


def test_portal_refuses_another_patients_draw(client, session):
    _, _, draws = follow_up(session)
    other, _, _ = follow_up(session)
    login(client, other)
    assert client.post(f"/portal/draws/{draws[0].id}/drawn").status_code == 404
    session.expire_all()
    assert session.get(LabDraw, draws[0].id).status == "scheduled"


def test_portal_preferences_change_channel_and_quiet_hours_and_re_time_reminders(client, session):
    user, patient, draws = follow_up(session, quiet_start=time(21), quiet_end=time(8))
    login(client, user)
    response = client.post("/portal/preferences", data={
        "preferred_channel": "sms", "sms_consent": "y", "quiet_start": "20:00", "quiet_end": "09:00"})
    assert response.status_code == 302
    session.expire_all()
    assert (patient.preferred_channel, patient.quiet_start) == ("sms", time(20))
    assert patient.email_consent_at is None and patient.sms_consent_at is not None
    waiting = list(session.scalars(select(Reminder).where(Reminder.status == "pending")))
    assert waiting and {r.channel for r in waiting} == {"sms"}
    session.rollback()
    refused = client.post("/portal/preferences", data={"preferred_channel": "email", "quiet_start": "20:00",
                                                       "quiet_end": "09:00"})
    assert refused.status_code == 422 and "agreement" in refused.get_data(as_text=True)


def test_staff_record_a_platelet_result_and_the_patient_page_charts_it(client, session):
    # The course ended three days ago: the 24-h draw is due by now (a result for a draw not yet due is refused).
    _, patient, draws = follow_up(session, now=utcnow() - timedelta(days=2))
    coordinator = make_user(session, role="coordinator")
    session.commit()
    login(client, coordinator)
    response = client.post(f"/labs/draws/{draws[0].id}/result", data={"platelets": "27.5"})
    assert response.status_code == 302
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Platelet follow-up" in page and "<svg" in page and "27.5" in page
    assert ">infusion</text>" in page  # the infusion date is marked on the chart
    assert client.post(f"/labs/draws/{draws[0].id}/result", data={"platelets": "30"}).status_code == 302
    session.expire_all()
    assert session.get(LabDraw, draws[0].id).result.value == 27.5  # a second result is refused


def test_a_patient_cannot_record_a_result(client, session):
    user, _, draws = follow_up(session)
    login(client, user)
    assert client.post(f"/labs/draws/{draws[0].id}/result", data={"platelets": "300"}).status_code == 403


def signed_post(client, app, body: str, phone: str, *, token="sms-token", sign_with=None):
    app.config.update(SMS_AUTH_TOKEN=token, PUBLIC_BASE_URL="https://agency.example")
    params = {"From": phone, "Body": body, "MessageSid": "SM1"}
    signature = sms_signature(sign_with or token, "https://agency.example/hooks/sms", params)
    return client.post("/hooks/sms", data=params, headers={"X-Twilio-Signature": signature})


def test_stop_and_start_replies_set_sms_consent_only_when_signed(client, session, app):
    patient = reminder_patient(session, channel="sms", now=utcnow(), phone_e164="+13125550199")
    visit = make_visit(session, order=make_order(session, patient=patient), starts_at=utcnow() + timedelta(days=2))
    visit_changed(session, visit, "booked", now=utcnow())
    session.commit()
    consent = select(Patient.sms_consent_at).where(Patient.id == patient.id)
    reminder = select(Reminder.status).where(Reminder.visit_id == visit.id)
    assert signed_post(client, app, "STOP", "+13125550199", sign_with="forged").status_code == 403
    assert read(session, consent) is not None
    assert signed_post(client, app, " stop ", "+13125550199").status_code == 200
    assert read(session, consent) is None and read(session, reminder) == "cancelled"
    assert signed_post(client, app, "START", "+13125550199").status_code == 200
    assert read(session, consent) is not None and read(session, reminder) == "pending"


def test_the_unsubscribe_link_asks_then_withdraws_email_consent(client, session, app):
    patient = reminder_patient(session, channel="email", now=utcnow())
    session.commit()
    token = unsubscribe_token(app.config["SECRET_KEY"], patient.id)
    consent = select(Patient.email_consent_at).where(Patient.id == patient.id)
    assert client.get(f"/unsubscribe/{token}").status_code == 200
    assert read(session, consent) is not None  # a link scanner's GET changes nothing
    assert client.post(f"/unsubscribe/{token}").status_code == 200
    assert read(session, consent) is None
    assert client.post(f"/unsubscribe/{token}x").status_code == 404


def test_the_coordinator_retries_a_failed_reminder_from_the_dashboard(client, session):
    _, patient, draws = follow_up(session)
    row = session.scalar(select(Reminder).where(Reminder.lab_draw_id == draws[1].id))
    row.status, row.attempts, row.last_error = "failed", 5, "SMTP 451"
    coordinator = make_user(session, role="coordinator")
    session.commit()
    login(client, coordinator)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert f"/reminders/{row.id}/retry" in page
    assert client.post(f"/reminders/{row.id}/retry").status_code == 302
    session.expire_all()
    assert (row.status, row.attempts) == ("pending", 0)


def test_the_admin_outbox_shows_console_messages(client, session, app, tmp_path):
    from scheduler.notify.channels import ConsoleChannel, Outgoing

    app.instance_path = str(tmp_path)
    ConsoleChannel("email", tmp_path / "console_outbox.jsonl").send(Outgoing("k-1", "a@b.example", "Reminder: home visit tomorrow", "Hello"))
    admin = make_user(session, role="admin")
    session.commit()
    login(client, admin)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Reminder: home visit tomorrow" in page and "k-1" in page


def test_messages_carry_local_time_hydration_and_phone_but_no_drug_or_diagnosis():
    from zoneinfo import ZoneInfo

    from scheduler.clinical.advice import shipped_patient_advice
    from scheduler.notify.messages import MessageFacts, VisitFacts, email_message, sms_text

    start = datetime(2027, 3, 14, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    visit = VisitFacts(visit_id=1, starts_at=start, ends_at=start + timedelta(hours=5), nurse_first_name="Ana",
                       address="2 Elm St, Chicago 60601", version=1, premedication=True)
    facts = MessageFacts(kind="visit_eve", zone="America/New_York", patient_first_name="Maria", agency_name="Agency",
                         agency_phone="+13125550100", visit=visit, unsubscribe_url="https://x/unsubscribe/t",
                         advice=shipped_patient_advice())
    message = email_message(facts, stamp=start - timedelta(days=1))
    assert "between 08:45 and 09:15 (EDT)" in message.text and "until about 14:00 (EDT)" in message.text
    assert "08:45-09:15 EDT" in sms_text(facts)
    for text in (message.text, message.html, sms_text(facts)):
        assert "+13125550100" in text and "Ana" in text
        assert "water" in text.lower()
        for word in ("IVIG", "immune", "ITP", "thrombocytopenia", "platelet", "Octagam", "Gamunex", "acetaminophen"):
            assert word.lower() not in text.lower()
    assert "unsubscribe" in message.text and "STOP" in sms_text(facts)
