"""Every endpoint x method x role x ownership against the policy table, bodies included.

A page that answers 403 while still rendering the record (OpenEyes CVE-2021-40375) fails
here: every response is searched for the sentinels of every patient the caller may not
reach, not only the status code checked.
"""

from __future__ import annotations

import re

import pytest

from tests.web.route_policy_table import DENIED, LOGIN, OK, OWNERSHIPS, ROLES, TABLE
from tests.web.world import build_world, log_in

IGNORED_METHODS = {"HEAD", "OPTIONS"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - IGNORED_METHODS
    }


def test_every_route_of_the_app_is_in_the_policy_table(app):
    table = {(rule.endpoint, rule.method) for rule in TABLE}
    missing = sorted(app_routes(app) - table)
    assert not missing, (
        "Routes without a line in tests/web/route_policy_table.py: "
        + ", ".join(f"{endpoint} {method}" for endpoint, method in missing)
        + '. Add e.g. Rule("visits.show", "GET", "/visits/{visit}", VISIT_RECORD).'
    )
    stale = sorted(table - app_routes(app))
    assert not stale, f"Lines in the policy table for routes the app no longer has: {stale}"


def _call_api(client, world, role: str, method: str, url: str):
    """The API authenticates by bearer token only: the role's token, a JSON body; anonymous
    sends none (and must get 401, counted as LOGIN)."""
    headers = {} if role == "anonymous" else {"Authorization": f"Bearer {world.tokens[role]}"}
    return client.open(url, method=method, headers=headers, json={} if method in ("POST", "PATCH") else None)


def _outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code == 401 and response.is_json:  # the API's "log in first"
        return LOGIN
    if response.status_code == 401 and 'name="password"' in response.get_data(as_text=True):
        return LOGIN  # asked for the password on the spot (a nurse's expired session keeps her entry)
    if response.status_code == 302 and location.startswith("/login?next="):
        return LOGIN
    if response.status_code in (403, 404):
        return DENIED
    # 409 / 422: admitted, and the empty form the matrix posts was refused as input.
    if response.status_code in (200, 302, 409, 422):
        return OK
    return f"status {response.status_code}"


@pytest.fixture
def world(session):
    return build_world(session)


def test_route_matrix_matches_the_policy_table_and_leaks_no_sentinel(app, world, capsys):
    cells = mismatches = 0
    problems: list[str] = []
    leaks: list[str] = []
    for rule in TABLE:
        ownerships = OWNERSHIPS if PLACEHOLDER.search(rule.url) else (None,)
        for role in ROLES:
            for ownership in ownerships:
                client = app.test_client()
                url = world.url(rule.url, ownership)
                if url.startswith("/api/"):
                    response = _call_api(client, world, role, rule.method, url)
                else:
                    log_in(client, world, role)
                    response = client.open(url, method=rule.method, data={} if rule.method == "POST" else None)
                cells += 1
                where = f"{role} {rule.method} {url} ({ownership or 'no object'})"
                expected = rule.access.expected(role, ownership)
                actual = _outcome(response)
                if actual != expected:
                    mismatches += 1
                    problems.append(f"{where}: expected {expected}, got {actual}")
                seen = response.get_data(as_text=True) + response.headers.get("Location", "")
                response.close()  # static files are streamed from an open file
                for victim in {"own", "assigned", "other"} - world.entitled(role):
                    for sentinel in world.sentinels[victim]:
                        if sentinel in seen:
                            leaks.append(f"{where}: shows {victim}'s {sentinel!r}")
                if expected == OK and rule.access.shows_object and ownership in world.sentinels:
                    if world.sentinels[ownership][0] not in seen:
                        problems.append(f"{where}: allowed but does not show the object; the leak check would be vacuous")
    with capsys.disabled():
        print(f"\n[route policy] table lines {len(TABLE)}, app routes {len(app_routes(app))}, "
              f"cells checked {cells}, mismatches {mismatches}, sentinel leaks {len(leaks)}")
    assert not problems, "\n".join(problems)
    assert not leaks, "\n".join(leaks)
    assert DENIED in {rule.access.expected("patient", "other") for rule in TABLE}  # the matrix does deny something
