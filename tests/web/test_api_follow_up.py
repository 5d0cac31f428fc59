"""A patient's reminders and platelet draws through the API, and entering a result: the
labs operation's rules (range, one result, cancelled draw) answered as JSON."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from scheduler.clock import utcnow
from scheduler.models import LabDraw, Reminder
from tests.factories import make_nurse, make_order, make_patient, make_user, make_visit
from tests.web.api_support import Api, make_token


@pytest.fixture
def follow_up(session):
    """A patient with a visit, two draws after it and a pending reminder for the first."""
    patient_user = make_user(session, role="patient")
    patient = make_patient(session, user_id=patient_user.id)
    nurse = make_nurse(session)
    visit = make_visit(session, order=make_order(session, patient=patient), nurse=nurse,
                       starts_at=utcnow() - timedelta(hours=30))
    draws = [LabDraw(patient_id=patient.id, visit_id=visit.id, offset_hours=hours,
                     due_at=visit.ends_at + timedelta(hours=hours)) for hours in (24, 48)]
    session.add_all(draws)
    session.flush()
    session.add(Reminder(kind="lab_draw", channel="email", patient_id=patient.id, lab_draw_id=draws[0].id,
                         due_at=draws[0].due_at, expires_at=draws[0].due_at, next_attempt_at=draws[0].due_at,
                         dedupe_key="t-1", status="pending", attempts=0))
    session.commit()
    return patient, patient_user, nurse, [d.id for d in draws]


def test_staff_and_the_patient_list_the_reminders_and_draws(client, session, follow_up):
    patient, patient_user, _, draw_ids = follow_up
    staff = Api(client, make_token(session, make_user(session, role="coordinator")))
    reminders = staff.get(f"/patients/{patient.id}/reminders").get_json()
    assert reminders["total"] == 1 and reminders["items"][0]["lab_draw_id"] == draw_ids[0]
    labs = staff.get(f"/patients/{patient.id}/labs?per_page=1").get_json()
    assert labs["total"] == 2 and labs["pages"] == 2 and labs["items"][0]["id"] == draw_ids[0]
    assert labs["items"][0]["result"] is None and labs["items"][0]["due_at"].endswith("+00:00")

    own = Api(client, make_token(session, patient_user))
    assert own.get(f"/patients/{patient.id}/labs").status_code == 200
    stranger = Api(client, make_token(session, make_user(session, role="patient")))
    assert stranger.get(f"/patients/{patient.id}/reminders").status_code == 404
    assert stranger.get(f"/patients/{patient.id}/labs").status_code == 404


def test_a_result_closes_the_draw_and_its_reminders_once(client, session, follow_up):
    patient, patient_user, _, draw_ids = follow_up
    staff = Api(client, make_token(session, make_user(session, role="coordinator")))
    path = f"/labs/{draw_ids[0]}/result"
    assert staff.post(path, json={"platelets_10e9_per_l": 5000}).status_code == 422  # the operation's range
    done = staff.post(path, json={"platelets_10e9_per_l": 48.5}, headers={"Idempotency-Key": "r-1"})
    assert done.status_code == 201
    body = done.get_json()
    assert body["status"] == "done" and body["result"]["platelets_10e9_per_l"] == 48.5
    assert staff.post(path, json={"platelets_10e9_per_l": 48.5}, headers={"Idempotency-Key": "r-1"}).get_json() == body
    again = staff.post(path, json={"platelets_10e9_per_l": 50})
    assert again.status_code == 422 and "already has a result" in again.get_json()["error"]["message"]
    with session.get_bind().connect() as connection:
        assert connection.scalar(select(Reminder.status).where(Reminder.lab_draw_id == draw_ids[0])) != "pending"

    assert Api(client, make_token(session, patient_user)).post(path, json={"platelets_10e9_per_l": 1}).status_code == 403
    assert staff.post("/labs/987654/result", json={"platelets_10e9_per_l": 50}).status_code == 404
    other_nurse = Api(client, make_token(session, make_nurse(session).user))
    assert other_nurse.post(f"/labs/{draw_ids[1]}/result", json={"platelets_10e9_per_l": 50}).status_code == 404
