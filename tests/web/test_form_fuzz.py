"""Hypothesis posts random and hostile data to every form the app renders: no server
error, and no input reflected unescaped.

The forms are discovered, not listed: every GET route of the policy table is rendered as a
role allowed to see it, and every <form> on it with fields is fuzzed. A form added later
is covered without touching this file.
"""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.route_policy_table import OK, TABLE
from tests.web.world import build_world, log_in

EXAMPLES_PER_FORM = 120
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
ATTR = re.compile(r'(\w+)="([^"]*)"')
FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.I)
IGNORED_FIELDS = {"csrf_token", "submit"}
# Fields a form does not have, sent anyway (mass assignment must not trip anything).
EXTRA_FIELDS = ("role", "patient_id", "nurse_id", "is_active")

# Each carries the marker "fz" so a reflection is unambiguous.
PAYLOADS = [
    '<script>alert("fz")</script>',
    '"><img src=x onerror=fz()>',
    "'><svg onload=fz()>",
    "</title></textarea><fz-tag>",
    "javascript:fz()//",
    "{{7*7}}fz",
    "' OR 1=1 --fz",
    "fz\r\nSet-Cookie: x=1",
    "fz\x00nul",
    "fz" + "\u202e" + "evil",
    "9" * 40 + "fz",
    "-1fz",
]

value = st.one_of(
    st.text(max_size=200),
    st.sampled_from(PAYLOADS),
    st.builds(lambda a, p, b: a + p + b, st.text(max_size=20), st.sampled_from(PAYLOADS), st.text(max_size=20)),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(lambda d: d.isoformat()),
)


def discover_forms(app, world):
    """(role, method, url, field names) for every form with fields on every GET page."""
    forms = {}
    for rule in TABLE:
        if rule.method != "GET" or rule.endpoint == "static":
            continue
        ownership = "assigned" if "{" in rule.url else None
        role = next((r for r in ("anonymous", "admin", "coordinator", "nurse", "patient")
                     if rule.access.expected(r, ownership) == OK), None)
        if role is None:
            continue
        client = app.test_client()
        log_in(client, world, role)
        page_url = world.url(rule.url, ownership)
        page = client.get(page_url).get_data(as_text=True)
        for attrs, body in FORM.findall(page):
            attributes = dict(ATTR.findall(attrs))
            fields = sorted(set(FIELD.findall(body)) - IGNORED_FIELDS)
            if not fields:
                continue
            method = attributes.get("method", "get").upper()
            target = html.unescape(attributes.get("action") or page_url)
            forms[(method, target)] = (role, fields)
    return [(role, method, url, fields) for (method, url), (role, fields) in sorted(forms.items())]


@pytest.fixture
def world(session):
    return build_world(session)


def test_fuzzed_forms_give_no_server_error_and_no_unescaped_reflection(app, world, capsys):
    # Throttling would turn most login posts into 429 before validation; fuzz the validation.
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 10**9
    forms = discover_forms(app, world)
    assert {(m, u) for _, m, u, _ in forms} >= {("POST", "/login"), ("POST", "/account/password"), ("GET", "/admin/audit/")}
    runs = {"examples": 0, "server_errors": 0}
    failures: list[str] = []

    for role, method, url, fields in forms:
        _fuzz_one_form(app, world, role, method, url, fields, runs, failures)

    with capsys.disabled():
        print(f"\n[form fuzz] forms {len(forms)}, examples run {runs['examples']}, server errors {runs['server_errors']}")
    assert not failures, "\n".join(failures[:20])


def _fuzz_one_form(app, world, role, method, url, fields, runs, failures):
    client = app.test_client()
    log_in(client, world, role)

    @settings(max_examples=EXAMPLES_PER_FORM, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.fixed_dictionaries({f: value for f in fields},
                                      optional={k: value for k in EXTRA_FIELDS if k not in fields}))
    def post(data):
        runs["examples"] += 1
        if method == "GET":
            response = client.get(url, query_string=data)
        else:
            response = client.post(url, data=data)
        body = response.get_data(as_text=True)
        if response.status_code >= 500:
            runs["server_errors"] += 1
            failures.append(f"{method} {url} {data!r}: {response.status_code}")
        for sent in data.values():
            if "fz" in sent and re.search(r"[<>\"']", sent) and sent in body:
                failures.append(f"{method} {url}: {sent!r} reflected unescaped")
            if "{{7*7}}fz" in sent and "49fz" in body:
                failures.append(f"{method} {url}: template expression evaluated")
        if response.status_code == 302 and response.headers["Location"].startswith("/login?next="):
            log_in(client, world, role)  # a fuzzed post may not end the session, but keep going if it did

    post()
