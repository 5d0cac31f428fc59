"""Reads and refusals of patient data are audited; the admin filters and exports the log;
no PHI reaches the application log."""

from __future__ import annotations

import csv
import io
import logging

import pytest
from sqlalchemy import select

from scheduler.models import AuditEvent
from tests.web.world import build_world, log_in


@pytest.fixture
def world(session):
    return build_world(session)


def _events(session, action=None):
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return session.scalars(query).all()


def test_each_view_of_a_patient_writes_one_read_row_with_who_what_where(app, world, session):
    client = app.test_client()
    log_in(client, world, "nurse")
    patient_id = world.objects["assigned"]["patient"]
    for _ in range(3):
        assert client.get(f"/patients/{patient_id}", headers={"X-Request-ID": "req-1"}).status_code == 200
    reads = _events(session, "read")
    assert len(reads) == 3
    row = reads[0]
    assert (row.actor_user_id, row.actor_role, row.object_type, row.patient_id, row.source_ip, row.request_id) == (
        world.users["nurse"].id, "nurse", "patient", patient_id, "127.0.0.1", "req-1")
    assert row.at is not None and row.at.utcoffset().total_seconds() == 0


def test_a_refused_read_is_audited_and_shows_nothing(app, world, session):
    client = app.test_client()
    log_in(client, world, "patient")
    victim = world.objects["other"]["patient"]
    response = client.get(f"/patients/{victim}")
    assert response.status_code == 404
    assert not any(s in response.get_data(as_text=True) for s in world.sentinels["other"])
    [denied] = _events(session, "access_denied")
    assert (denied.actor_user_id, denied.object_id, denied.patient_id) == (world.users["patient"].id, str(victim), None)
    assert _events(session, "read") == []


def test_admin_filters_the_log_by_patient_action_and_actor(app, world, session):
    nurse = app.test_client()
    log_in(nurse, world, "nurse")
    nurse.get(f"/patients/{world.objects['assigned']['patient']}")
    nurse.get(f"/patients/{world.objects['other']['patient']}")
    admin = app.test_client()
    log_in(admin, world, "admin")
    page = admin.get("/admin/audit/", query_string={"patient_id": world.objects["assigned"]["patient"]})
    assert page.status_code == 200 and "1 matching rows" in page.get_data(as_text=True)
    page = admin.get("/admin/audit/", query_string={"action": "access_denied", "actor_user_id": world.users["nurse"].id})
    assert "1 matching rows" in page.get_data(as_text=True)
    bad = admin.get("/admin/audit/", query_string={"date_from": "2026-11-30", "date_to": "2026-11-01", "patient_id": "x"})
    body = bad.get_data(as_text=True)
    assert "The end date is before the start date." in body and "Not a valid integer value." in body


def test_csv_export_has_the_rows_and_is_itself_audited(app, world, session):
    nurse = app.test_client()
    log_in(nurse, world, "nurse")
    nurse.get(f"/patients/{world.objects['assigned']['patient']}")
    admin = app.test_client()
    log_in(admin, world, "admin")
    response = admin.get("/admin/audit/export.csv", query_string={"action": "read"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["action"], r["patient_id"]) for r in rows] == [("read", str(world.objects["assigned"]["patient"]))]
    [export] = _events(session, "audit_export")
    assert export.details == {"filters": {"action": "read"}, "rows": 1}


def test_no_phi_in_the_application_log(app, world, caplog):
    caplog.set_level(logging.DEBUG)
    for role in ("admin", "nurse", "patient"):
        client = app.test_client()
        log_in(client, world, role)
        for ownership in ("own", "assigned", "other", "missing"):
            client.get(f"/patients/{world.objects[ownership]['patient']}")
    logged = caplog.text
    assert not [s for sentinels in world.sentinels.values() for s in sentinels if s in logged]
