"""Every GET route, as every role, on every kind of object: whenever an answer shows a patient's
data, that request wrote an audit row naming that patient (HIPAA 164.312(b), ASVS 7.1.3).

The routes come from the app's URL map, so a page or API answer added later is walked without
touching this file (its URL template comes from the policy table, which the route policy test
already requires). A patient counts as shown when one of the world's sentinel PHI strings for
that patient (name, address, phone, allergies, date of birth) is in the body.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from scheduler.models import AuditEvent, Patient
from scheduler.notify.channels import ConsoleChannel, Outgoing
from tests.factories import make_order
from tests.web.route_policy_table import OWNERSHIPS, ROLES, TABLE
from tests.web.test_route_policy import IGNORED_METHODS, PLACEHOLDER, _call_api
from tests.web.world import build_world, log_in

READ_ACTIONS = {"read", "read_list", "list"}


@pytest.fixture
def world(app, session, tmp_path):
    world = build_world(session)
    # Data the plain world has none of: an order waiting for visits (the coordinator's
    # to-do list) and a reminder written by the console channel (the admin's outbox).
    make_order(session, patient=session.get(Patient, world.objects["other"]["patient"]), earliest_start=date(2026, 12, 1))
    session.commit()
    app.instance_path = str(tmp_path)
    ConsoleChannel("sms", tmp_path / "console_outbox.jsonl").send(
        Outgoing("world-assigned", world.sentinels["assigned"][3], "", "Your infusion visit is tomorrow."))
    return world


def _patients_covered(rows) -> set[int]:
    covered = set()
    for row in rows:
        if row.action in READ_ACTIONS:
            if row.patient_id is not None:
                covered.add(row.patient_id)
            covered.update((row.details or {}).get("patient_ids", ()))
    return covered


def test_every_answer_that_shows_a_patient_wrote_an_audit_row_for_that_patient(app, session, world, capsys):
    get_endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                     if "GET" in rule.methods - IGNORED_METHODS}
    walked = [rule for rule in TABLE if rule.method == "GET" and rule.endpoint in get_endpoints]
    assert {rule.endpoint for rule in walked} == get_endpoints, "a GET route has no line in the policy table"
    patient_of = {ownership: objects["patient"] for ownership, objects in world.objects.items()
                  if ownership != "missing"}
    answers = showing = 0
    problems: list[str] = []
    for rule in walked:
        for role in ROLES:
            for ownership in OWNERSHIPS if PLACEHOLDER.search(rule.url) else (None,):
                client = app.test_client()
                url = world.url(rule.url, ownership)
                last_row = session.scalar(select(func.max(AuditEvent.id))) or 0
                session.rollback()
                if url.startswith("/api/"):
                    response = _call_api(client, world, role, "GET", url)
                else:
                    log_in(client, world, role)
                    last_row = session.scalar(select(func.max(AuditEvent.id))) or 0  # after the login row
                    session.rollback()
                    response = client.get(url)
                body = response.get_data(as_text=True)
                response.close()
                answers += 1
                shown = {patient_of[o] for o, sentinels in world.sentinels.items() if any(s in body for s in sentinels)}
                if not shown:
                    continue
                showing += 1
                rows = list(session.scalars(select(AuditEvent).where(AuditEvent.id > last_row)))
                session.rollback()
                unaudited = shown - _patients_covered(rows)
                actor = world.users.get(role)
                if unaudited:
                    problems.append(f"{role} GET {url}: shows patient(s) {sorted(unaudited)} with no read audit row")
                elif any(row.actor_user_id != actor.id for row in rows if row.action in READ_ACTIONS):
                    problems.append(f"{role} GET {url}: read audit row names another actor")
    with capsys.disabled():
        print(f"\n[audit walk] GET routes {len(walked)}, answers {answers}, answers showing a patient {showing}, "
              f"without an audit row {len(problems)}")
    assert showing > 20  # the walk really saw patient data
    assert not problems, "\n".join(problems)
