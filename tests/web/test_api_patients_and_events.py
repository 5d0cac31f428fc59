"""Patients and documentation events through the API: the patient and documentation
operations' own checks, answered as JSON with the failing fields named."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from scheduler.clock import utcnow
from scheduler.models import AuditEvent, Patient, RateChange, VitalSigns
from tests.factories import make_nurse, make_patient, make_user
from tests.rounds_support import make_planned_visit, nurse_login
from tests.web.api_support import Api, make_token


@pytest.fixture
def staff(session, client):
    user = make_user(session, role="coordinator")
    return Api(client, make_token(session, user))


def new_patient(**overrides) -> dict:
    body = dict(first_name="Maria", last_name="Lopez", date_of_birth="1968-03-14", sex="female", height_cm=162,
                address_line="2100 N Clark St", city="Chicago", postal_code="60614", lat=41.92, lon=-87.64,
                timezone="America/Chicago", phone="(312) 555-0199", email="maria@example.org",
                preferred_channel="email", email_consent=True, quiet_start="21:00", quiet_end="08:00",
                iga_status="normal", weight_kg=70.5, measured_on="2026-11-01")
    body.update(overrides)
    return body


def count(session, model) -> int:
    with session.get_bind().connect() as connection:
        return connection.scalar(select(func.count()).select_from(model))


def test_registering_a_patient_then_reading_and_patching_it(staff, session):
    created = staff.post("/patients", json=new_patient(), headers={"Idempotency-Key": "p-1"})
    assert created.status_code == 201, created.get_json()
    patient = created.get_json()
    assert patient["phone_e164"] == "+13125550199" and patient["weights"] == [{"weight_kg": 70.5,
                                                                              "measured_on": "2026-11-01"}]
    assert staff.post("/patients", json=new_patient(), headers={"Idempotency-Key": "p-1"}).get_json() == patient
    assert count(session, Patient) == 1

    patched = staff.patch(f"/patients/{patient['id']}", json={"city": "Evanston", "risk_renal": True})
    assert patched.status_code == 200
    body = patched.get_json()
    assert (body["city"], body["risk_renal"], body["last_name"]) == ("Evanston", True, "Lopez")
    assert staff.get(f"/patients/{patient['id']}").get_json()["city"] == "Evanston"

    listed = staff.get("/patients?q=lopez").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == patient["id"]


def test_the_operation_names_every_bad_field(staff, session):
    response = staff.post("/patients", json=new_patient(timezone="Mars/Olympus", phone="12", height_cm=900))
    assert response.status_code == 422
    assert {"timezone", "phone", "height_cm"} <= set(response.get_json()["error"]["fields"])
    missing = staff.post("/patients", json={"first_name": "A"}).get_json()["error"]["fields"]
    assert {"weight_kg", "measured_on"} <= set(missing)
    assert staff.post("/patients", json=new_patient(role="admin")).get_json()["error"]["fields"] == {
        "role": "Unknown field."}  # no mass assignment
    assert staff.patch("/patients/987654", json={"city": "X"}).status_code == 404
    assert count(session, Patient) == 0


def test_a_patient_reads_only_himself_and_a_nurse_only_her_visits_patients(client, session):
    own_user = make_user(session, role="patient")
    mine, other = make_patient(session, user_id=own_user.id), make_patient(session)
    api = Api(client, make_token(session, own_user))
    assert api.get(f"/patients/{mine.id}").status_code == 200
    refused = api.get(f"/patients/{other.id}")
    assert refused.status_code == 404 and other.last_name not in refused.get_data(as_text=True)
    assert api.patch(f"/patients/{mine.id}", json={"city": "X"}).status_code == 403
    assert count(session, AuditEvent) >= 2


def test_the_visits_nurse_documents_start_vitals_rate_change_and_end(client, session):
    user, nurse = nurse_login(session)
    visit = make_planned_visit(session, starts_at=utcnow() - timedelta(hours=4), nurse=nurse)
    api = Api(client, make_token(session, user))
    path = f"/visits/{visit.id}/events"
    started = utcnow() - timedelta(hours=3)

    assert api.post(path, json={"type": "vitals", "phase": "baseline", "at": (started - timedelta(minutes=5)).isoformat(),
                                "systolic_mmhg": 128, "diastolic_mmhg": 80, "pulse_bpm": 72}).status_code == 201
    start = api.post(path, json={"type": "start", "at": started.isoformat()}, headers={"Idempotency-Key": "s"})
    assert start.status_code == 201 and start.get_json()["type"] == "start"
    assert api.post(path, json={"type": "start", "at": started.isoformat()}, headers={"Idempotency-Key": "s"}
                    ).headers["Idempotent-Replayed"] == "true"
    step = api.post(path, json={"type": "rate_change", "kind": "step_up", "at": (started + timedelta(minutes=30)).isoformat(),
                                "rate_ml_per_hr": 96})
    assert step.status_code == 201, step.get_json()
    too_fast = api.post(path, json={"type": "rate_change", "kind": "step_up",
                                    "at": (started + timedelta(minutes=40)).isoformat(), "rate_ml_per_hr": 900})
    assert too_fast.status_code == 422  # the documentation operation's rule, not the API's
    impossible = api.post(path, json={"type": "vitals", "phase": "during", "at": (started + timedelta(minutes=45)).isoformat(),
                                      "pulse_bpm": 900})
    assert impossible.status_code == 422 and "pulse_bpm" in impossible.get_json()["error"]["fields"]
    assert count(session, VitalSigns) == 1 and count(session, RateChange) >= 1


def test_only_the_visits_own_nurse_documents(client, session, staff):
    visit = make_planned_visit(session, starts_at=utcnow(), nurse=make_nurse(session))
    session.commit()
    other_user, _ = nurse_login(session)
    other = Api(client, make_token(session, other_user))
    body = {"type": "start", "at": utcnow().isoformat()}
    assert other.post(f"/visits/{visit.id}/events", json=body).status_code == 404
    assert staff.post(f"/visits/{visit.id}/events", json=body).status_code == 403
