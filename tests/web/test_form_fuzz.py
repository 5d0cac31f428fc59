"""Hypothesis posts random and hostile data to every form the app renders: no server
error, and no input reflected unescaped.

The forms are discovered, not listed: every GET route of the policy table is rendered as each
role allowed to see it, and every <form> on it is fuzzed (one with no fields still gets the
extra, unexpected fields). The nurse's visit page is also rendered at each stage of the
infusion record, so every documentation form is reached. A form added later is covered
without touching this file.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.clock import utcnow
from scheduler.models import Nurse, RateChange
from scheduler.operations.documentation import STOP, start_infusion
from scheduler.web.rounds.routes import STEPS
from tests.rounds_support import make_lot, make_planned_visit
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
    # Evaluated, it reads "fztmpl49": text no other payload, and no random prefix or suffix
    # around one, can produce ("{{7*7}}fz" was flagged once when "49" + "fz\r\n..." was stored).
    "{{'fz'~'tmpl'~7*7}}",
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


# The role that reaches each kind of object (the nurse documents only on her assigned visit).
OWNERSHIP_OF_ROLE = {"admin": "assigned", "coordinator": "assigned", "nurse": "assigned", "patient": "own"}
# Logging out ends the fuzzing session itself; it is tested on its own (test_session_hardening).
NOT_FUZZED = {("POST", "/logout")}


def discover_forms(app, world, extra_pages=()):
    """(role, method, url, field names) for every form on every GET page, rendered as every
    role the page admits (a nurse sees the documentation forms, a coordinator the booking
    ones), plus `extra_pages` (role, url). Forms that differ only by ids are fuzzed once."""
    pages = list(extra_pages)
    for rule in TABLE:
        if rule.method != "GET" or rule.endpoint == "static":
            continue
        for role in ("anonymous", "admin", "coordinator", "nurse", "patient"):
            ownership = OWNERSHIP_OF_ROLE.get(role) if "{" in rule.url else None
            if rule.access.expected(role, ownership) == OK:
                pages.append((role, world.url(rule.url, ownership)))
    forms = {}
    for role, page_url in pages:
        client = app.test_client()
        log_in(client, world, role)
        with client.get(page_url) as response:  # closed: some answers stream a file (the service worker)
            page = response.get_data(as_text=True)
        for attrs, body in FORM.findall(page):
            attributes = dict(ATTR.findall(attrs))
            fields = sorted(set(FIELD.findall(body)) - IGNORED_FIELDS)
            method = attributes.get("method", "get").upper()
            target = html.unescape(attributes.get("action") or page_url)
            kind = (method, re.sub(r"\d+", "N", target))
            if (method, target) not in NOT_FUZZED and kind not in forms:
                forms[kind] = (role, method, target, fields)
    return sorted(forms.values(), key=lambda form: (form[2], form[1]))


def documentation_stages(session, world) -> list[tuple[str, str]]:
    """Visit pages of the world's nurse at each stage of the infusion record, so that every
    documentation form (start, vitals, rate, reaction, lots, end, observation, sign, complete,
    amendment) is on one of them."""
    nurse, actor = session.get(Nurse, world.objects["assigned"]["nurse"]), world.users["nurse"]
    now = utcnow().replace(second=0, microsecond=0)
    pages = []
    for stage in range(5):  # planned, started, ended, observed, signed
        starts = now - timedelta(minutes=40) if stage == 0 else now - timedelta(days=stage, hours=8)
        visit = make_planned_visit(session, starts_at=starts, nurse=nurse, last_name=f"Stage{stage}")
        if stage >= 1:
            record = start_infusion(session, visit.id, starts + timedelta(minutes=5), actor=actor, now=now)
            # The later stages are set on the record directly: the page shows its forms by these
            # fields, and the documentation rules for reaching them are tested elsewhere.
            if stage >= 2:
                record.ended_at, record.total_volume_ml = starts + timedelta(minutes=90), 60.0
                session.add(RateChange(visit_id=visit.id, at=record.ended_at, kind=STOP, rate_ml_per_hr=0,
                                       reason="infusion ended", recorded_by_id=actor.id))
            if stage >= 3:
                record.observation_done_at = starts + timedelta(hours=3)
            if stage >= 4:
                record.signed_at, record.signed_by_id = now, actor.id
            session.flush()
        pages.append(("nurse", f"/rounds/visits/{visit.id}"))
    make_lot(session, lot_number="FUZZ-1", size_g=20, quantity=50)
    session.commit()
    return pages


@pytest.fixture
def world(session):
    return build_world(session)


@pytest.mark.slow
@pytest.mark.timeout(1800)  # some 50 forms x 120 examples: minutes on a busy 2-core machine
def test_fuzzed_forms_give_no_server_error_and_no_unescaped_reflection(app, session, world, capsys):
    # Throttling would turn most login posts into 429 before validation; fuzz the validation.
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 10**9
    forms = discover_forms(app, world, documentation_stages(session, world))
    assert {(m, u) for _, m, u, _ in forms} >= {("POST", "/login"), ("POST", "/account/password"), ("GET", "/admin/audit/")}
    documented = {u.rsplit("/", 1)[-1] for _, _, u, _ in forms if u.startswith("/rounds/visits/")}
    assert documented == set(STEPS), f"documentation forms not reached: {set(STEPS) - documented}"
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
            if "{{'fz'~'tmpl'~7*7}}" in sent and "fztmpl49" in body:
                failures.append(f"{method} {url}: template expression evaluated")
        if response.status_code == 302 and response.headers["Location"].startswith("/login?next="):
            log_in(client, world, role)  # a fuzzed post may not end the session, but keep going if it did

    post()
