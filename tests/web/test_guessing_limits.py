"""Guessing is limited where the settings say: login limits from the environment, the current
password on the password page throttled and audited like a login, and X-Forwarded-For
believed only from as many proxies as TRUSTED_PROXIES names."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from scheduler.app import create_app
from scheduler.auth.passwords import verify_password
from scheduler.models import AuditEvent, User
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def make_app(database_url, monkeypatch):
    """An app started with these environment variables (as in production: read at start)."""
    apps = []

    def make(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        apps.append(create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": uuid.uuid4().hex,
                                "WTF_CSRF_ENABLED": False}))
        return apps[-1]

    yield make
    for app in apps:
        app.extensions["db_engine"].dispose()


@pytest.fixture
def nurse(session):
    user = make_user(session, role="nurse", email="nurse@example.org")
    session.commit()
    return user


def _login(client, email, password, **headers):
    return client.post("/login", data={"email": email, "password": password}, headers=headers)


def _actions(session) -> list[str]:
    actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    session.rollback()
    return actions


def test_the_login_limits_are_read_from_the_environment(make_app, nurse):
    client = make_app(LOGIN_MAX_FAILURES_PER_ACCOUNT="2", LOGIN_WINDOW_MINUTES="30").test_client()
    assert [_login(client, "nurse@example.org", "wrong password!").status_code for _ in range(2)] == [401, 401]
    refused = _login(client, "nurse@example.org", PASSWORD)
    assert refused.status_code == 429
    assert "wait 30 minutes" in refused.get_data(as_text=True)


def test_wrong_current_passwords_are_audited_then_throttled_like_a_login(make_app, nurse, session):
    client = make_app(LOGIN_MAX_FAILURES_PER_ACCOUNT="3").test_client()
    assert _login(client, "nurse@example.org", PASSWORD).status_code == 302
    change = {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    for _ in range(3):
        page = client.post("/account/password", data={"current_password": "a guess at it", **change})
        assert "The current password is not correct." in page.get_data(as_text=True)
    # The right password now is not even checked: a stolen session cannot keep guessing.
    refused = client.post("/account/password", data={"current_password": PASSWORD, **change})
    assert refused.status_code == 429 and "Too many wrong passwords" in refused.get_data(as_text=True)
    assert NEW_PASSWORD not in refused.get_data(as_text=True)
    assert _actions(session).count("password_check_failed") == 3
    assert _actions(session)[-1] == "password_check_throttled"
    assert verify_password(session.scalar(select(User.password_hash).where(User.id == nurse.id)), PASSWORD)
    session.rollback()
    # The same count stops logins to the account, from anywhere.
    assert _login(make_app().test_client(), "nurse@example.org", PASSWORD).status_code == 429


def test_behind_https_alone_a_rotating_forwarded_for_does_not_escape_the_address_limit(make_app, session):
    client = make_app(BEHIND_HTTPS="1", LOGIN_MAX_FAILURES_PER_IP="3").test_client()
    statuses = [_login(client, f"guess{i}@example.org", "wrong password!", **{"X-Forwarded-For": f"198.51.100.{i}"}
                       ).status_code for i in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    addresses = set(session.scalars(select(AuditEvent.source_ip)))
    session.rollback()
    assert addresses == {"127.0.0.1"}


def test_with_trusted_proxies_the_address_they_saw_is_used(make_app, nurse, session):
    client = make_app(TRUSTED_PROXIES="2").test_client()
    # client claims 192.0.2.66; the outer proxy saw 203.0.113.7; the inner one 10.0.0.2.
    _login(client, "nurse@example.org", PASSWORD, **{"X-Forwarded-For": "192.0.2.66, 203.0.113.7, 10.0.0.2",
                                                     "X-Forwarded-Proto": "https"})
    assert session.scalar(select(AuditEvent.source_ip).where(AuditEvent.action == "login")) == "203.0.113.7"
    session.rollback()
