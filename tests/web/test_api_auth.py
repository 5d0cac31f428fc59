"""API authentication and the error shape: bearer tokens only, JSON errors only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from scheduler.clock import utcnow
from scheduler.models import ApiToken, AuditEvent
from scheduler.operations.api_tokens import authenticate_token, token_hash
from tests.factories import PASSWORD, make_user
from tests.web.api_support import Api, bearer, make_token


@pytest.fixture
def coordinator(session):
    user = make_user(session, role="coordinator", email="coord@example.org")
    session.commit()
    return user


def assert_error(response, status: int, code: str):
    assert response.status_code == status
    assert response.content_type == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"] and isinstance(error["fields"], dict)
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_call_without_a_token_is_401_json(client, coordinator):
    response = client.get("/api/v1/products")
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_token_is_refused_and_audited(client, session, coordinator):
    response = client.get("/api/v1/products", headers=bearer("isk_not-a-token"))
    assert_error(response, 401, "unauthorized")
    refused = session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token_refused")).all()
    assert len(refused) == 1 and "isk_not" not in str(refused[0].details)


def test_a_session_cookie_does_not_authenticate_the_api(client, coordinator):
    assert client.post("/login", data={"email": coordinator.email, "password": PASSWORD}).status_code == 302
    assert client.get("/patients/").status_code == 200  # the cookie works for pages
    assert_error(client.get("/api/v1/products"), 401, "unauthorized")


def test_a_token_call_sets_no_cookie_and_is_not_logged_out(client, session, coordinator):
    api = Api(client, make_token(session, coordinator))
    for _ in range(2):
        response = api.get("/products")
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers


def test_the_token_is_stored_only_as_its_hash(session, coordinator):
    plain = make_token(session, coordinator)
    stored = session.scalar(select(ApiToken))
    assert stored.token_sha256 == token_hash(plain) and plain not in stored.token_sha256
    assert plain.startswith("isk_") and len(plain) > 40


def test_a_revoked_token_and_a_disabled_owner_are_refused(client, session, coordinator):
    from scheduler.operations.api_tokens import revoke_tokens

    api = Api(client, make_token(session, coordinator, name="pharmacy"))
    assert api.get("/products").status_code == 200
    revoke_tokens(session, coordinator, name="pharmacy", now=utcnow())
    session.commit()
    assert_error(api.get("/products"), 401, "unauthorized")

    other = Api(client, make_token(session, coordinator, name="ehr"))
    coordinator.is_active = False
    session.commit()
    assert_error(other.get("/products"), 401, "unauthorized")


def test_last_used_is_refreshed_at_most_every_few_minutes(session, coordinator):
    plain, now = make_token(session, coordinator), utcnow()
    token = authenticate_token(session, plain, now=now)
    assert token.last_used_at == now
    assert authenticate_token(session, plain, now=now + timedelta(minutes=1)).last_used_at == now
    assert authenticate_token(session, plain, now=now + timedelta(minutes=6)).last_used_at == now + timedelta(minutes=6)


def test_the_owners_role_applies(client, session):
    patient = make_user(session, role="patient")
    api = Api(client, make_token(session, patient))
    assert_error(api.get("/products"), 403, "forbidden")
    assert_error(api.post("/orders", json={}), 403, "forbidden")


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/api/v1/no-such-thing", 404, "not_found"),
    ("GET", "/api/v2/products", 404, "not_found"),
    ("DELETE", "/api/v1/products", 405, "method_not_allowed"),
    ("GET", "/api/v1/plan", 405, "method_not_allowed"),
    ("GET", "/api/v1/orders/abc", 404, "not_found"),
])
def test_unknown_paths_and_methods_answer_json(client, session, coordinator, method, path, status, code):
    token = make_token(session, coordinator)
    assert_error(client.open(path, method=method, headers=bearer(token)), status, code)


def test_malformed_json_and_wrong_content_type(client, session, coordinator):
    headers = bearer(make_token(session, coordinator))
    assert_error(client.post("/api/v1/plan", data="{not json", content_type="application/json", headers=headers),
                 400, "bad_request")
    assert_error(client.post("/api/v1/plan", data="[1, 2]", content_type="application/json", headers=headers),
                 400, "bad_request")
    assert_error(client.post("/api/v1/plan", data="a=1", headers=headers), 415, "unsupported_media_type")


def test_the_openapi_document_is_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"].startswith("3.1")


def test_flask_users_token_prints_a_token_once_and_revoke_token_ends_it(app, runner, session, client, coordinator):
    result = runner.invoke(args=["users", "token", "--email", "COORD@example.org", "--name", "pharmacy"])
    assert result.exit_code == 0, result.output
    plain = result.stdout.strip().splitlines()[-1]
    assert Api(client, plain).get("/products").status_code == 200
    assert plain not in str(session.scalars(select(AuditEvent.details)).all())
    session.rollback()  # SQLite: release the lock before the next command writes

    result = runner.invoke(args=["users", "revoke-token", "--email", "coord@example.org", "--name", "pharmacy"])
    assert result.exit_code == 0 and "Revoked 1 token" in result.output
    assert Api(client, plain).get("/products").status_code == 401
    assert runner.invoke(args=["users", "token", "--email", "nobody@example.org"]).exit_code != 0


def test_answers_are_never_cached_and_carry_the_security_headers(client, session, coordinator):
    api = Api(client, make_token(session, coordinator))
    for response in (api.get("/products"), api.get("/orders/987654"), client.get("/api/v1/products")):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_bearer_token_does_not_log_in_to_the_pages(client, session, coordinator):
    response = client.get("/patients/", headers=bearer(make_token(session, coordinator)))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
