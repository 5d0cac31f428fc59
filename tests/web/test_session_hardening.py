"""Sessions end when they should: login rotation, logout, password change, disable,
idle timeout and absolute lifetime; a replayed cookie is refused after each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner

from scheduler.clock import utcnow
from scheduler.operations.accounts import set_active
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a brand new passphrase 42"


@pytest.fixture
def nurse(session):
    user = make_user(session, role="nurse", email="nurse@example.org")
    session.commit()
    return user


def _logged_in_client(app):
    client = app.test_client()
    assert client.post("/login", data={"email": "nurse@example.org", "password": PASSWORD}).status_code == 302
    return client


def _replay(app, cookie: str):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/")


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_login_issues_a_new_session_and_the_pre_login_cookie_stays_anonymous(app, nurse):
    client = app.test_client()
    client.get("/login")
    client.set_cookie("session", "planted-by-attacker")
    client.post("/login", data={"email": "nurse@example.org", "password": PASSWORD})
    assert client.get_cookie("session").value != "planted-by-attacker"
    assert _sent_to_login(_replay(app, "planted-by-attacker"))


def test_logout_ends_every_cookie_of_the_user(app, nurse):
    first, second = _logged_in_client(app), _logged_in_client(app)
    cookies = [c.get_cookie("session").value for c in (first, second)]
    first.post("/logout")
    assert [_sent_to_login(_replay(app, cookie)) for cookie in cookies] == [True, True]


def test_password_change_ends_other_sessions_and_keeps_this_one(app, nurse):
    here, elsewhere = _logged_in_client(app), _logged_in_client(app)
    old_here = here.get_cookie("session").value
    response = here.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert here.get("/", follow_redirects=True).status_code == 200
    assert _sent_to_login(elsewhere.get("/"))
    assert _sent_to_login(_replay(app, old_here))
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": "nurse@example.org", "password": NEW_PASSWORD}).status_code == 302


@pytest.mark.parametrize(
    "form, message",
    [
        ({"current_password": "not the password", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
         "The current password is not correct."),
        ({"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"}, "Use 12 to 128 characters."),
        ({"current_password": PASSWORD, "new_password": "nurse@example.org", "confirm_password": "nurse@example.org"},
         "must not be your email"),
        ({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "x"},
         "The two new passwords differ."),
    ],
)
def test_password_change_refusals_say_why_and_keep_the_session(app, nurse, form, message):
    client = _logged_in_client(app)
    response = client.post("/account/password", data=form)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert client.get("/", follow_redirects=True).status_code == 200


def test_disabling_an_account_ends_its_live_sessions(app, session, nurse):
    client = _logged_in_client(app)
    cookie = client.get_cookie("session").value
    admin = make_user(session, role="admin")
    set_active(session, nurse.id, False, actor=admin, now=utcnow())
    session.commit()
    assert _sent_to_login(client.get("/"))
    assert _sent_to_login(_replay(app, cookie))


def test_idle_session_ends_after_the_configured_minutes(app, nurse, monkeypatch):
    client = _logged_in_client(app)
    assert client.get("/", follow_redirects=True).status_code == 200
    idle_s = app.config["SESSION_IDLE_MINUTES"] * 60
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + idle_s + 1)
    assert _sent_to_login(client.get("/"))


def test_a_busy_session_still_ends_at_the_absolute_lifetime(app, nurse, monkeypatch):
    client = _logged_in_client(app)
    assert client.get("/", follow_redirects=True).status_code == 200
    later = utcnow() + timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"], minutes=1)
    monkeypatch.setattr("scheduler.web.security.utcnow", lambda: later)
    assert _sent_to_login(client.get("/"))
    monkeypatch.undo()
    assert _sent_to_login(client.get("/"))  # and it stays ended


def test_session_cookie_is_httponly_and_samesite_lax(app, nurse):
    client = app.test_client()
    response = client.post("/login", data={"email": "nurse@example.org", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_disable_command_ends_the_live_session(app, runner, nurse):
    client = _logged_in_client(app)
    result = runner.invoke(args=["users", "disable", "--email", "Nurse@example.org"])
    assert result.exit_code == 0, result.output
    assert _sent_to_login(client.get("/"))
    assert runner.invoke(args=["users", "disable", "--email", "nobody@example.org"]).exit_code == 1
