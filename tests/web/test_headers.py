"""Security headers on every kind of response, and HTTPS behaviour behind a proxy."""

from __future__ import annotations

import uuid

import pytest

from scheduler.app import create_app
from tests.factories import PASSWORD, make_user

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@pytest.fixture
def patient_login(session):
    make_user(session, role="patient", email="pat@example.org")
    session.commit()


def _check(response):
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    for directive in ("script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp


def test_headers_on_200_302_403_404_and_405(client, patient_login):
    responses = [client.get("/login"), client.get("/")]
    client.post("/login", data={"email": "pat@example.org", "password": PASSWORD})
    responses += [client.get("/admin/audit/"), client.get("/patients/424242"), client.get("/no/such/page"),
                  client.get("/logout")]
    assert [r.status_code for r in responses] == [200, 302, 403, 404, 404, 405]
    for response in responses:
        _check(response)
    assert all(r.headers["Cache-Control"] == "no-store" for r in responses if "text/html" in r.content_type)


def test_no_hsts_and_no_secure_cookie_over_plain_http(client, patient_login):
    response = client.post("/login", data={"email": "pat@example.org", "password": PASSWORD})
    assert "Strict-Transport-Security" not in response.headers
    assert "Secure" not in response.headers["Set-Cookie"]


@pytest.fixture
def https_app(database_url, monkeypatch):
    monkeypatch.setenv("BEHIND_HTTPS", "1")
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": uuid.uuid4().hex,
                      "WTF_CSRF_ENABLED": False})
    yield app
    app.extensions["db_engine"].dispose()


def test_behind_an_https_proxy_cookies_are_secure_and_hsts_is_sent(https_app, patient_login):
    client = https_app.test_client()
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
    response = client.post("/login", data={"email": "pat@example.org", "password": PASSWORD}, headers=proxied)
    assert response.status_code == 302
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "Domain=" not in cookie and "Path=/" in cookie


def test_behind_the_proxy_the_forwarded_address_is_the_one_audited(https_app, patient_login, session):
    from sqlalchemy import select

    from scheduler.models import AuditEvent

    client = https_app.test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.1, 203.0.113.5"}
    client.post("/login", data={"email": "pat@example.org", "password": PASSWORD}, headers=headers)
    # One trusted hop: the address the proxy saw, not what the client claimed before it.
    assert session.scalar(select(AuditEvent.source_ip).where(AuditEvent.action == "login")) == "203.0.113.5"


def test_a_request_id_is_kept_only_when_it_cannot_inject_into_logs(client, session):
    from sqlalchemy import select

    from scheduler.models import AuditEvent

    for given in ("proxy-id-123", "abc <script>x</script> FAKE"):
        client.post("/login", data={"email": "x@example.org", "password": "wrong password"},
                    headers={"X-Request-ID": given})
    kept, replaced = session.scalars(select(AuditEvent.request_id).order_by(AuditEvent.id)).all()
    assert kept == "proxy-id-123"
    assert len(replaced) == 32 and replaced.isalnum()
