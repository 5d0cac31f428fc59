"""Refused API tokens are limited per address and counted, not audited one row each; a token
may be given an expiry."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from scheduler.models import ApiToken, AuditEvent, LoginAttempt
from scheduler.operations import DomainError
from scheduler.operations.api_tokens import authenticate_token, issue_token
from tests.factories import make_user
from tests.web.api_support import bearer, make_token

ISSUED = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def coordinator(session):
    user = make_user(session, role="coordinator", email="coord@example.org")
    session.commit()
    return user


def _get(client, token: str, ip: str):
    return client.get("/api/v1/products", headers=bearer(token), environ_base={"REMOTE_ADDR": ip})


def _count(session, query) -> int:
    value = session.scalar(query)
    session.rollback()
    return value


def test_guessed_tokens_from_one_address_are_stopped_and_counted_not_audited_each(app, client, session, coordinator):
    app.config["API_TOKEN_MAX_FAILURES_PER_IP"] = 5
    good = make_token(session, coordinator)
    statuses = [_get(client, f"isk_guess{i}", "198.51.100.7").status_code for i in range(40)]
    assert statuses == [401] * 5 + [429] * 35
    throttled = _get(client, good, "198.51.100.7")  # not even a real token is checked from there now
    assert throttled.status_code == 429 and throttled.get_json()["error"]["code"] == "too_many_requests"
    assert int(throttled.headers["Retry-After"]) > 0
    assert _get(client, good, "203.0.113.20").status_code == 200  # other addresses are not affected
    rows = session.scalars(select(AuditEvent).where(AuditEvent.action.like("api_token_%"))
                           .where(AuditEvent.action != "api_token_issued").order_by(AuditEvent.id)).all()
    assert [(r.action, r.details["refused_in_window"]) for r in rows] == [("api_token_refused", 1),
                                                                          ("api_token_throttled", 5)]
    session.rollback()
    assert _count(session, select(func.count()).select_from(LoginAttempt)) == 5


def test_refused_tokens_do_not_count_towards_the_login_limit_of_the_address(app, client, session, coordinator):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 2
    for i in range(4):
        _get(client, f"isk_guess{i}", "127.0.0.1")
    response = client.post("/login", data={"email": "coord@example.org", "password": "wrong password!"})
    assert response.status_code == 401


def test_a_token_with_an_expiry_stops_working_at_that_moment(session, coordinator):
    token, plain = issue_token(session, coordinator, name="trial", now=ISSUED, valid_for=timedelta(days=30))
    assert token.expires_at == ISSUED + timedelta(days=30)
    assert authenticate_token(session, plain, now=ISSUED + timedelta(days=29, hours=23)) is not None
    assert authenticate_token(session, plain, now=ISSUED + timedelta(days=30)) is None
    forever, plain_forever = issue_token(session, coordinator, name="pharmacy", now=ISSUED)
    assert forever.expires_at is None
    assert authenticate_token(session, plain_forever, now=ISSUED + timedelta(days=3650)) is not None
    with pytest.raises(DomainError):
        issue_token(session, coordinator, name="none", now=ISSUED, valid_for=timedelta(0))


def test_flask_users_token_days_sets_the_expiry(runner, session, coordinator):
    result = runner.invoke(args=["users", "token", "--email", "coord@example.org", "--name", "trial", "--days", "7"])
    assert result.exit_code == 0, result.output
    assert "valid until" in result.output
    token = session.scalar(select(ApiToken).where(ApiToken.name == "trial"))
    assert token.expires_at - token.created_at == timedelta(days=7)
