"""No entry lost at idle: a documentation form sent after the session ended (idle limit,
12-hour limit, logged out elsewhere) or with an expired form token asks for the password
on the spot, shows what will be saved, and saves it once the password is right."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from scheduler.app import create_app
from scheduler.models import Nurse, User, VitalSigns
from tests.factories import PASSWORD
from tests.web import test_rounds_pages
from tests.web.test_rounds_pages import local

nurse_visit = test_rounds_pages.nurse_visit


def token_in(page: str, name: str = "csrf_token") -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)


def nurse_email(session, visit) -> str:
    email = session.scalar(select(User.email).join(Nurse, Nurse.user_id == User.id).where(Nurse.id == visit.nurse_id))
    session.commit()  # end the test's read transaction: SQLite lets one writer in at a time
    return email


@pytest.fixture
def csrf_app(database_url):
    """The app as in production: CSRF on (the suite's default app turns it off)."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "k" * 32, "WTF_CSRF_ENABLED": True})
    yield app
    app.extensions["db_engine"].dispose()


def test_vitals_typed_past_the_idle_limit_are_saved_after_the_password(csrf_app, session, nurse_visit, monkeypatch):
    _, visit, now = nurse_visit
    visit_id, email = visit.id, nurse_email(session, visit)  # read now: a later read would hold SQLite's write lock
    client = csrf_app.test_client()
    login = token_in(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": login}).status_code == 302
    page = client.get(f"/rounds/visits/{visit_id}").get_data(as_text=True)
    entry = {"vitals-csrf_token": token_in(page, "vitals-csrf_token"), "who": email, "vitals-phase": "baseline",
             "vitals-taken_at": local(now - timedelta(minutes=3)), "vitals-pulse_bpm": "77",
             "vitals-systolic_mmhg": "121", "vitals-diastolic_mmhg": "79"}

    # The nurse stays at the bedside past the idle limit, then sends what she typed.
    idle_s = csrf_app.config["SESSION_IDLE_MINUTES"] * 60 + 60
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + idle_s)
    asked = client.post(f"/rounds/visits/{visit_id}/vitals", data=entry)
    body = asked.get_data(as_text=True)
    assert asked.status_code == 401 and "Your session ended; your entry is kept" in body
    assert "<dt>Pulse (/min)</dt><dd>77</dd>" in body  # she sees what will be saved
    assert 'name="carried-vitals-pulse_bpm" value="77"' in body and f'value="{email}"' in body
    assert "Rampling" not in body  # no patient data before the password
    session.expire_all()
    assert session.scalar(select(VitalSigns)) is None
    session.commit()

    carried = {k: v for k, v in re.findall(r'name="(carried-[^"]+)" value="([^"]*)"', body)}
    resume = {"csrf_token": token_in(body), "resume_to": f"/rounds/visits/{visit_id}/vitals", "email": email, **carried}
    wrong = client.post("/rounds/resume", data={**resume, "password": "not the password"})
    assert wrong.status_code == 401 and 'name="carried-vitals-pulse_bpm" value="77"' in wrong.get_data(as_text=True)
    assert "Email or password is not correct." in wrong.get_data(as_text=True)

    saved = client.post("/rounds/resume", data={**resume, "csrf_token": token_in(wrong.get_data(as_text=True)),
                                                "password": PASSWORD})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/rounds/visits/{visit_id}?saved=vitals#vitals")
    session.expire_all()
    rows = session.scalars(select(VitalSigns)).all()
    assert [(r.pulse_bpm, r.systolic_mmhg, r.phase) for r in rows] == [(77, 121, "baseline")]
    session.commit()
    assert "Vital signs recorded" in client.get(f"/rounds/visits/{visit_id}").get_data(as_text=True)


def test_a_post_after_logging_out_elsewhere_keeps_the_entry_too(app, nurse_visit):
    _, visit, now = nurse_visit
    stranger = app.test_client()  # no session at all: as after the 12-hour limit or a logout on another device
    response = stranger.post(f"/rounds/visits/{visit.id}/rate", data={"rate-kind": "pause", "rate-reason": "chills"})
    body = response.get_data(as_text=True)
    assert response.status_code == 401 and 'name="carried-rate-reason" value="chills"' in body


def test_a_refused_entry_after_the_password_comes_back_on_the_visit_page_with_its_values(app, session, nurse_visit):
    _, visit, now = nurse_visit
    email = nurse_email(session, visit)
    client = app.test_client()
    response = client.post("/rounds/resume", data={
        "resume_to": f"/rounds/visits/{visit.id}/vitals", "email": email, "password": PASSWORD,
        "carried-vitals-phase": "baseline", "carried-vitals-taken_at": local(now), "carried-vitals-systolic_mmhg": "400",
        "carried-vitals-diastolic_mmhg": "20"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="400"' in page and "not possible" in page


@pytest.mark.parametrize("target", ["/admin/audit/", "http://[broken", "/rounds/visits/99999999999/vitals", ""])
def test_resume_only_carries_to_a_documentation_form(app, target):
    response = app.test_client().post("/rounds/resume", data={"resume_to": target, "email": "a@b.c", "password": "x"})
    assert response.status_code == 422 and "no entry to save" in response.get_data(as_text=True)


def replay(client, visit, step, key, entered_at, **data):
    """The phone sending an entry it kept while offline."""
    return client.post(f"/rounds/visits/{visit.id}/{step}", data={f"{step}-{k}": v for k, v in data.items()},
                       headers={"X-Offline-Entry": "1", "Idempotency-Key": key, "X-Entered-At": entered_at.isoformat()})


def test_an_offline_entry_sent_twice_is_recorded_once_and_its_delay_audited(nurse_visit, session):
    from scheduler.models import AuditEvent

    client, visit, now = nurse_visit
    entered = now - timedelta(minutes=25)
    data = dict(phase="baseline", taken_at=local(entered), pulse_bpm="68")
    first = replay(client, visit, "vitals", "key-1", entered, **data)
    again = replay(client, visit, "vitals", "key-1", entered, **data)
    assert first.status_code == again.status_code == 200
    assert first.json["saved"] and again.json == {**first.json, "duplicate": True}
    session.expire_all()
    assert session.scalars(select(VitalSigns.pulse_bpm)).all() == [68]
    delay = session.scalar(select(AuditEvent.details).where(AuditEvent.action == "offline_entry"))
    assert delay["step"] == "vitals" and int(delay["delay_s"]) >= 25 * 60
    session.commit()


def test_a_refused_offline_entry_comes_back_with_its_messages_and_can_be_sent_again(nurse_visit, session):
    client, visit, now = nurse_visit
    refused = replay(client, visit, "rate", "key-2", now, kind="pause", at=local(now), reason="chills")
    assert refused.status_code == 422 and not refused.json["saved"]
    assert "Start the infusion first" in refused.json["message"]
    same_key_other_body = replay(client, visit, "rate", "key-2", now, kind="pause", at=local(now), reason="rash")
    assert same_key_other_body.status_code == 422  # the refused attempt left no key behind: it is judged again


def test_an_offline_entry_older_than_the_limit_is_refused_for_an_amendment(nurse_visit):
    client, visit, now = nurse_visit
    old = now - timedelta(hours=13)
    response = replay(client, visit, "vitals", "key-3", old, phase="baseline", taken_at=local(now), pulse_bpm="70")
    assert response.status_code == 422 and "amendment" in response.json["message"]


def test_an_offline_entry_without_a_session_asks_to_log_in_in_json(app, nurse_visit):
    _, visit, now = nurse_visit
    response = replay(app.test_client(), visit, "vitals", "key-4", now, phase="baseline", pulse_bpm="70")
    assert response.status_code == 401 and response.json["login"] is True
