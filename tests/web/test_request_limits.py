"""Bodies that must not reach a view: too deeply nested JSON (400), too large (413), text with
control characters (422). Each in the API's one error shape, or as a page for a form; never a
server error."""

from __future__ import annotations

import json

import pytest

from scheduler.config import load_config
from scheduler.web.bodies import json_depth_exceeds
from tests.factories import make_user
from tests.web.api_support import Api, bearer, make_token
from tests.web.pages import logged_in_client
from tests.web.route_policy_table import OK, TABLE
from tests.web.world import build_world
from tests.web.test_api_patients_and_events import new_patient

DEEP = "[" * 1000 + "]" * 1000


@pytest.fixture
def admin_token(session):
    return make_token(session, make_user(session, role="admin"))


def test_json_nested_a_thousand_deep_is_a_400_in_the_error_shape_on_every_json_route(app, session):
    world = build_world(session)
    # Every API route that reads a JSON body, from the policy table (so routes added later too),
    # called by a role it admits on an object that role reaches.
    routes = [(rule, role) for rule in TABLE if rule.url.startswith("/api/") and rule.method in ("POST", "PATCH")
              for role in [next(r for r in ("admin", "nurse") if rule.access.expected(r, "assigned") == OK)]]
    client = app.test_client()
    reading = 0
    for rule, role in routes:
        url = world.url(rule.url, "assigned")
        for key in (None, "deep-1"):  # the Idempotency-Key fingerprint reads the body as well
            headers = bearer(world.tokens[role], **({"Idempotency-Key": key} if key else {}))
            # A route that reads its body refuses a JSON array as "not an object" (400); one
            # that reads none (e.g. a re-plan proposal) ignores any body.
            flat = client.open(url, method=rule.method, data="[]", content_type="application/json", headers=headers)
            response = client.open(url, method=rule.method, data=DEEP, content_type="application/json", headers=headers)
            assert response.status_code < 500, (rule.method, url, response.status_code)
            if flat.status_code != 400:
                continue
            reading += 1
            assert response.status_code == 400, (rule.method, url, response.status_code)
            error = response.get_json()["error"]
            assert error["code"] == "bad_request" and "nested more than 32 levels" in error["message"], (url, error)
    assert reading >= 16  # 8 routes or more read a body, each with and without a key


def test_the_depth_check_counts_brackets_outside_strings_only():
    assert not json_depth_exceeds(json.dumps({"a": [[1, 2], {"b": "[[[[" * 50}]}), 32)
    assert json_depth_exceeds(json.dumps(json.loads("[" * 33 + "]" * 33)), 32)
    assert not json_depth_exceeds("[" * 32 + "]" * 32, 32)
    assert not json_depth_exceeds(b'{"q": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', 32)


def test_a_body_over_the_limit_is_a_413_as_json_for_the_api(app, client, admin_token):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = client.post("/api/v1/patients", data=json.dumps(new_patient(notes="x" * 20_000)),
                           content_type="application/json", headers=bearer(admin_token))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    small = client.post("/api/v1/patients", json=new_patient(), headers=bearer(admin_token))
    assert small.status_code == 201


def test_a_form_over_the_limit_gets_a_page_that_says_so(app, session):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    client = logged_in_client(app, session, "coordinator")
    response = client.post("/patients/new", data={"first_name": "Ann", "notes": "x" * 20_000})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than this site accepts" in page and "nothing was saved" in page and "<html" in page


def test_the_size_limit_is_read_from_the_environment(monkeypatch, tmp_path):
    assert load_config(str(tmp_path))["MAX_CONTENT_LENGTH"] == 4 * 1024 * 1024
    monkeypatch.setenv("MAX_REQUEST_BYTES", "65536")
    assert load_config(str(tmp_path))["MAX_CONTENT_LENGTH"] == 65536


def test_the_api_refuses_control_characters_in_text_and_names_the_field(client, session, admin_token):
    api = Api(client, admin_token)
    response = api.post("/patients", json=new_patient(last_name="Lopez\u0000", allergies="latex\nnuts", city="Chi\x1bcago"))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "control character (U+0000)" in fields["last_name"] and "U+001B" in fields["city"]
    assert "allergies" not in fields  # a line break is fine in the API's text
    lone_surrogate = api.post("/patients", json=new_patient(first_name="\ud800"))
    assert lone_surrogate.status_code == 422 and "first_name" in lone_surrogate.get_json()["error"]["fields"]
