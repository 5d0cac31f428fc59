"""Login throttling: per account and per address, shared by every process through the
database, with the same answer for accounts that exist and accounts that do not."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from scheduler.app import create_app
from scheduler.models import AuditEvent, LoginAttempt
from tests.factories import PASSWORD, make_user


@pytest.fixture
def limited_app(database_url):
    def make():
        return create_app({
            "TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "tests-" + uuid.uuid4().hex,
            "WTF_CSRF_ENABLED": False, "LOGIN_MAX_FAILURES_PER_ACCOUNT": 3, "LOGIN_MAX_FAILURES_PER_IP": 5,
        })
    apps = []

    def factory():
        apps.append(make())
        return apps[-1]

    yield factory
    for app in apps:
        app.extensions["db_engine"].dispose()


@pytest.fixture
def coordinator(session):
    user = make_user(session, role="coordinator", email="coord@example.org")
    session.commit()
    return user


def _login(client, email, password, ip="192.0.2.1"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip})


def test_an_account_is_throttled_after_the_limit_even_with_the_right_password(limited_app, coordinator):
    client = limited_app().test_client()
    statuses = [_login(client, "coord@example.org", "wrong password!", ip=f"198.51.100.{i}").status_code for i in range(3)]
    assert statuses == [401, 401, 401]
    response = _login(client, "coord@example.org", PASSWORD, ip="203.0.113.9")
    assert response.status_code == 429
    assert "Too many failed logins" in response.get_data(as_text=True)


def test_unknown_and_known_accounts_are_throttled_alike(limited_app, coordinator):
    client = limited_app().test_client()
    answers = []
    for email in ("coord@example.org", "nobody@example.org"):
        for i in range(4):
            response = _login(client, email, "wrong password!", ip=f"198.51.100.{i}")
            answers.append((response.status_code, "Too many" in response.get_data(as_text=True)))
    assert answers[:4] == answers[4:] == [(401, False)] * 3 + [(429, True)]


def test_an_address_is_throttled_across_accounts(limited_app, coordinator):
    client = limited_app().test_client()
    for i in range(5):
        assert _login(client, f"guess{i}@example.org", "wrong password!").status_code == 401
    assert _login(client, "coord@example.org", PASSWORD).status_code == 429
    assert _login(client, "coord@example.org", PASSWORD, ip="192.0.2.77").status_code == 302


def test_the_count_is_shared_between_two_app_processes(limited_app, coordinator, session):
    # Two app instances with their own engines stand in for two gunicorn workers.
    first, second = limited_app().test_client(), limited_app().test_client()
    for i in range(3):
        client = first if i % 2 == 0 else second
        assert _login(client, "coord@example.org", "wrong password!", ip=f"198.51.100.{i}").status_code == 401
    assert _login(second, "coord@example.org", PASSWORD).status_code == 429
    assert _login(first, "coord@example.org", PASSWORD).status_code == 429
    assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 3


def test_throttled_attempts_are_not_counted_and_are_audited(limited_app, coordinator, session):
    client = limited_app().test_client()
    for _ in range(6):
        _login(client, "coord@example.org", "wrong password!")
    assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 3
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["login_failed"] * 3 + ["login_throttled"] * 3


def test_the_throttle_table_holds_no_email_address(limited_app, coordinator, session):
    _login(limited_app().test_client(), "coord@example.org", "wrong password!")
    attempt = session.scalar(select(LoginAttempt))
    assert "coord" not in attempt.account_key and len(attempt.account_key) == 64


def test_the_throttle_lifts_when_the_window_has_passed(session):
    from scheduler.clock import utcnow
    from scheduler.operations.login_throttle import ThrottleLimits, is_throttled, record_failure

    limits = ThrottleLimits(max_failures_per_account=2)
    now = utcnow()
    for _ in range(2):
        record_failure(session, "a@example.org", "192.0.2.1", now=now)
    assert is_throttled(session, "A@Example.org ", "192.0.2.2", now=now, limits=limits)
    assert not is_throttled(session, "a@example.org", "192.0.2.2", now=now + limits.window, limits=limits)
