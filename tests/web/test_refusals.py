"""One refusal for an id the caller may not reach and for an id that does not exist: the same
status and the same body, on every route with an id, pages and API alike. Otherwise the
answer tells which ids exist (e.g. another patient's lab draw)."""

from __future__ import annotations

import re

import pytest

from tests.web.route_policy_table import DENIED, ROLES, TABLE
from tests.web.test_route_policy import PLACEHOLDER, _call_api
from tests.web.world import build_world, log_in

# The CSRF token of the logout button differs from one page to the next, whatever the page.
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*"')
TOO_BIG_ID = 10**12  # no URL converter accepts it: Werkzeug's own 404


@pytest.fixture
def world(session):
    return build_world(session)


def _answer(app, world, role: str, method: str, url: str) -> tuple[int, str]:
    client = app.test_client()
    if url.startswith("/api/"):
        response = _call_api(client, world, role, method, url)
    else:
        log_in(client, world, role)
        response = client.open(url, method=method, data={} if method == "POST" else None)
    body = CSRF_VALUE.sub(r"\1…", response.get_data(as_text=True))
    return response.status_code, body


def test_a_forbidden_id_is_refused_exactly_like_a_missing_one(app, world, capsys):
    compared = 0
    differences: list[str] = []
    for rule in TABLE:
        if not PLACEHOLDER.search(rule.url):
            continue
        for role in ROLES:
            if role == "anonymous" or rule.access.expected(role, "other") != DENIED:
                continue
            forbidden = _answer(app, world, role, rule.method, world.url(rule.url, "other"))
            missing = _answer(app, world, role, rule.method, world.url(rule.url, "missing"))
            compared += 1
            answers = [("missing", missing)]
            if role in rule.access.roles:  # admitted to the route, refused the object
                huge_url = re.sub(r"\d{6}", str(TOO_BIG_ID), world.url(rule.url, "missing"))
                answers.append(("out-of-range", _answer(app, world, role, rule.method, huge_url)))
            for name, answer in answers:
                if answer != forbidden:
                    differences.append(f"{role} {rule.method} {rule.url}: other's id answers {forbidden[0]} "
                                       f"{_message(forbidden[1])!r}, a {name} id {answer[0]} {_message(answer[1])!r}")
    with capsys.disabled():
        print(f"\n[refusals] routes x roles compared {compared}, differences {len(differences)}")
    assert compared > 30
    assert not differences, "\n".join(differences)


def _message(body: str) -> str:
    found = re.search(r'"message":\s*"([^"]*)"|<h1>[^<]*</h1>\s*<p>([^<]*)</p>', body)
    return (found.group(1) or found.group(2)) if found else body[:80]
