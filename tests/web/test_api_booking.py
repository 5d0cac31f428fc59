"""Products, plan, orders, slots, visits and the nurse's day through the API: the same
operations and rules as the pages, answered as JSON."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from scheduler.clock import utcnow
from scheduler.models import AuditEvent, IdempotencyKey, TherapyOrder, Visit
from tests.factories import make_nurse, make_order, make_patient, make_product, make_user, make_visit
from tests.web.api_support import Api, make_token

CHICAGO = ZoneInfo("America/Chicago")


def next_monday() -> date:
    today = utcnow().astimezone(CHICAGO).date()
    return today + timedelta(days=7 - today.weekday())


def at_chicago(day: date, hour: int) -> str:
    return datetime.combine(day, time(hour), tzinfo=CHICAGO).isoformat()


@pytest.fixture
def world(session, client):
    coordinator = make_user(session, role="coordinator")
    nurse = make_nurse(session)
    patient = make_patient(session, weight_kg=80, height_cm=175, sex="male")
    make_product(session)
    session.commit()
    return Api(client, make_token(session, coordinator)), nurse, patient


def order_body(patient_id: int, **overrides) -> dict:
    body = dict(patient_id=patient_id, product_id="octagam_10", indication="itp", dose_g_per_kg=1, days=2,
                earliest_start=next_monday().isoformat(), prescriber="Dr. Who")
    body.update(overrides)
    return body


def count(session, model) -> int:
    # A connection of its own: the test's session keeps its objects loaded, and the
    # transaction (BEGIN IMMEDIATE on SQLite) ends before the app writes again.
    with session.get_bind().connect() as connection:
        return connection.scalar(select(func.count()).select_from(model))


def test_products_list_the_catalog_with_sources_paged(world):
    api, _, _ = world
    first = api.get("/products?per_page=2").get_json()
    assert first["page"] == 1 and first["per_page"] == 2 and len(first["items"]) == 2 and first["total"] > 2
    octagam = next(p for p in api.get("/products?per_page=100").get_json()["items"] if p["id"] == "octagam_10")
    assert octagam["concentration_mg_per_ml"]["value"] == 100 and octagam["concentration_mg_per_ml"]["source"]
    assert api.get("/products?per_page=0").status_code == 422
    assert api.get("/products?page=x").get_json()["error"]["fields"] == {"page": "Must be an integer."}


def test_plan_is_exactly_the_flask_plan_json(world, runner):
    api, _, _ = world
    response = api.post("/plan", json={"product_id": "octagam_10", "indication": "itp", "weight_kg": 80,
                                       "dose_g_per_kg": 1, "days": 2, "at_risk": True})
    cli = runner.invoke(args=["plan", "--product", "octagam_10", "--indication", "itp", "--weight-kg", "80",
                              "--dose-g-per-kg", "1", "--days", "2", "--at-risk", "--json"])
    assert response.status_code == 200 and cli.exit_code == 0
    assert response.get_json() == json.loads(cli.output)


def test_plan_refuses_a_hard_stop_and_bad_input(world):
    api, _, _ = world
    stop = api.post("/plan", json={"product_id": "octagam_10", "indication": "itp", "weight_kg": 80,
                                   "dose_g_per_kg": 1, "iga_deficient_with_antibodies": True})
    assert stop.status_code == 422 and stop.get_json()["error"]["code"] == "hard_stop"
    assert stop.get_json()["error"]["rule"]
    bad = api.post("/plan", json={"product_id": "octagam_10", "indication": "itp", "weight_kg": "heavy",
                                  "at_risk": "yes"})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"weight_kg", "dose_g_per_kg", "at_risk"}
    unknown = api.post("/plan", json={"product_id": "nope", "indication": "itp", "weight_kg": 80, "dose_g_per_kg": 1})
    assert unknown.status_code == 422


def test_creating_an_order_is_audited_and_refuses_what_the_form_refuses(world, session):
    api, _, patient = world
    response = api.post("/orders", json=order_body(patient.id))
    assert response.status_code == 201
    order = response.get_json()
    assert order["patient_id"] == patient.id and order["status"] == "active" and order["created_at"].endswith("+00:00")
    with session.get_bind().connect() as connection:
        assert connection.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "create", AuditEvent.object_type == "order")) == 1

    bad = api.post("/orders", json=order_body(patient.id, dose_g_per_kg=5, days=0, window_days=99))
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"dose_g_per_kg", "days", "window_days"}
    assert api.post("/orders", json=order_body(987654)).status_code == 404
    assert count(session, TherapyOrder) == 1


def test_an_order_shows_its_plan_per_day_and_its_visits(world, session):
    api, nurse, patient = world
    order = make_order(session, patient=patient, days=2)
    make_visit(session, order=order, nurse=nurse, plan={"days": [{"day": 1}], "stored": True})
    session.commit()
    body = api.get(f"/orders/{order.id}").get_json()
    assert body["plan"]["stored"] is True and len(body["visits"]) == 1  # the plan it was booked with

    unbooked = make_order(session, patient=patient, days=2)
    session.commit()
    body = api.get(f"/orders/{unbooked.id}").get_json()
    assert [d["day"] for d in body["plan"]["days"]] == [1, 2] and body["plan_error"] is None
    assert api.get("/orders/987654").status_code == 404


def test_booking_from_a_suggestion_then_moving_and_cancelling(world, session):
    api, nurse, patient = world
    order = api.post("/orders", json=order_body(patient.id)).get_json()
    slots = api.get(f"/orders/{order['id']}/slots?per_page=3").get_json()
    assert slots["total"] >= 1 and len(slots["items"]) <= 3
    slot = slots["items"][0]
    booked = api.post("/visits", json={"order_id": order["id"], "nurse_id": slot["nurse_id"],
                                       "start": slot["starts_at"][0]})
    assert booked.status_code == 201
    visits = booked.get_json()["visits"]
    assert [v["day_number"] for v in visits] == [1, 2] and visits[0]["starts_at"] == slot["starts_at"][0]

    later = (datetime.fromisoformat(visits[0]["starts_at"]) + timedelta(hours=1)).isoformat()
    moved = api.patch(f"/visits/{visits[0]['id']}", json={"start": later, "scope": "rest"})
    assert moved.status_code == 200 and len(moved.get_json()["visits"]) == 2

    cancelled = api.post(f"/visits/{visits[1]['id']}/cancel", json={"reason": "Patient in hospital"})
    assert cancelled.status_code == 200 and cancelled.get_json()["visits"][0]["status"] == "cancelled"
    again = api.post(f"/visits/{visits[1]['id']}/cancel", json={"reason": "again"})
    assert again.status_code == 422
    assert api.post(f"/visits/{visits[1]['id']}/cancel", json={}).get_json()["error"]["fields"] == {
        "reason": "This field is required."}


def test_slots_can_be_limited_to_a_time_range(world, session):
    api, _, patient = world
    order = api.post("/orders", json=order_body(patient.id)).get_json()
    every = api.get(f"/orders/{order['id']}/slots?per_page=100").get_json()["items"]
    first_start = every[0]["starts_at"][0]
    after = api.get(f"/orders/{order['id']}/slots", query_string={"from": first_start, "per_page": 100})
    assert all(s["starts_at"][0] >= first_start for s in after.get_json()["items"])
    none = api.get(f"/orders/{order['id']}/slots", query_string={"to": "2000-01-01T00:00:00Z"}).get_json()
    assert none["total"] == 0
    assert api.get(f"/orders/{order['id']}/slots?from=tomorrow").status_code == 422
    assert api.get(f"/orders/{order['id']}/slots?from=2026-11-23T09:00:00").status_code == 422  # no offset


def test_a_conflict_is_409_with_the_rule_and_the_visit(world, session):
    api, nurse, patient = world
    other = make_patient(session)
    monday = next_monday()
    taken = make_visit(session, order=make_order(session, patient=other), nurse=nurse,
                       starts_at=datetime.combine(monday, time(9), tzinfo=CHICAGO), duration=timedelta(hours=5))
    session.commit()
    order = api.post("/orders", json=order_body(patient.id)).get_json()
    response = api.post("/visits", json={"order_id": order["id"], "nurse_id": nurse.id, "start": at_chicago(monday, 10)})
    assert response.status_code == 409
    conflicts = response.get_json()["error"]["conflicts"]
    assert any(c["visit_id"] == taken.id and c["rule"] for c in conflicts)
    assert count(session, Visit) == 1


def test_a_retried_booking_with_the_same_key_books_once(world, session):
    api, nurse, patient = world
    order = api.post("/orders", json=order_body(patient.id)).get_json()
    body = {"order_id": order["id"], "nurse_id": nurse.id, "start": at_chicago(next_monday(), 9)}
    first = api.post("/visits", json=body, headers={"Idempotency-Key": "book-1"})
    retry = api.post("/visits", json=body, headers={"Idempotency-Key": "book-1"})
    assert first.status_code == retry.status_code == 201
    assert first.get_json() == retry.get_json() and retry.headers["Idempotent-Replayed"] == "true"
    assert count(session, Visit) == 2  # one course of two days, not two courses

    reused = api.post("/visits", json={**body, "nurse_id": nurse.id + 1}, headers={"Idempotency-Key": "book-1"})
    assert reused.status_code == 422 and reused.get_json()["error"]["code"] == "idempotency_key_reused"
    assert api.post("/visits", json=body, headers={"Idempotency-Key": "x" * 201}).status_code == 400


def test_a_refused_creation_does_not_use_up_its_key(world, session):
    api, nurse, patient = world
    bad = order_body(patient.id, product_id="nope")
    assert api.post("/orders", json=bad, headers={"Idempotency-Key": "o-1"}).status_code == 422
    assert count(session, IdempotencyKey) == 0
    assert api.post("/orders", json=order_body(patient.id), headers={"Idempotency-Key": "o-1"}).status_code == 201


def test_the_nurse_day_shows_each_visit_with_its_ramp(world, session, client):
    api, nurse, patient = world
    order = api.post("/orders", json=order_body(patient.id)).get_json()
    monday = next_monday()
    api.post("/visits", json={"order_id": order["id"], "nurse_id": nurse.id, "start": at_chicago(monday, 9)})

    own = Api(client, make_token(session, nurse.user))
    day = own.get(f"/nurses/{nurse.id}/day?date={monday.isoformat()}")
    assert day.status_code == 200
    [visit] = day.get_json()["visits"]
    assert visit["ramp"][0]["at"] > visit["starts_at"] and visit["ramp"][-1]["rate_ml_per_hr"] > 0
    assert visit["plan_day"]["day"] == 1 and visit["patient"]["id"] == patient.id and isinstance(visit["flags"], list)
    assert api.get(f"/nurses/{nurse.id}/day?date={monday.isoformat()}").status_code == 200

    other = make_nurse(session, first_name="Olga")
    session.commit()
    assert own.get(f"/nurses/{other.id}/day?date={monday.isoformat()}").status_code == 404
    assert own.get(f"/nurses/{nurse.id}/day").status_code == 422
    assert own.get(f"/nurses/{nurse.id}/day?date=2026-13-01").status_code == 422
    listed = [e for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "read_list")).all()
              if e.details.get("page") == "nurse day"]
    assert listed and listed[0].details["patient_ids"] == [patient.id]


def test_api_views_call_the_same_operations_as_the_pages():
    """No second copy of a rule: the API modules import the operations, never the models' writers."""
    import pathlib

    for path in pathlib.Path("scheduler/web/api").glob("routes_*.py"):
        text = path.read_text()
        assert "session.add(" not in text and ".flush(" not in text, path
