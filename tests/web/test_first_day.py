"""A real agency's first day: a fresh, migrated database with no demo data and no test
factories. Everything a coordinator needs to register a patient, order and book comes from
the app itself (the products table follows the catalog in service)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from scheduler.models import Product, TherapyOrder, Visit

# Monday 2026-11-16, 09:00 in Chicago: the agency's first morning.
FIRST_MORNING = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
PASSWORD = "first day at the agency"


@pytest.fixture(autouse=True)
def first_morning():
    with time_machine.travel(FIRST_MORNING, tick=False):
        yield


def _coordinator(runner, email="coordinator@agency.example") -> str:
    result = runner.invoke(args=["users", "create", "--email", email, "--role", "coordinator",
                                 "--name", "Carla Coordinator", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    return email


def _log_in(client, email):
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def nurse_form(**overrides):
    data = dict(first_name="Ana", last_name="Ruiz", phone="(773) 555-0142", timezone="America/Chicago",
                home_address="1 Main St", home_city="Chicago", home_state="IL", home_postal_code="60601",
                home_lat="", home_lon="", max_visits_per_day="2",
                email="ana@agency.example", full_name="Ana Ruiz", password="temporary password 1")
    for day in range(5):
        data.update({f"start_{day}": "07:00", f"end_{day}": "19:00"})
    data.update(overrides)
    return data


def patient_form(**overrides):
    data = dict(first_name="Maria", last_name="Lopez", date_of_birth="1968-03-14", sex="female", height_cm="162",
                address_line="2100 N Clark St", city="Chicago", state="IL", postal_code="60614", lat="", lon="",
                timezone="America/Chicago", phone="(312) 555-0199", email="maria@example.org",
                preferred_channel="email", email_consent="y", quiet_start="21:00", quiet_end="08:00",
                iga_status="normal", iga_tested_on="2026-11-02", allergies="", notes="", weight_kg="70",
                measured_on="2026-11-16")
    data.update(overrides)
    return data


def order_form(**overrides):
    data = dict(indication="itp", product_id="octagam_10", dose_g_per_kg="1", days="2", weight_policy="actual",
                rounding="exact", premedication="", earliest_start="2026-11-18", window_days="4",
                prescriber="Dr. Osler", save="1")
    data.update(overrides)
    return data


def test_fresh_database_has_the_catalog_products_before_anyone_logs_in(app, session):
    in_catalog = set(app.extensions["catalog_source"].get().products)
    rows = {p.id: p for p in session.scalars(select(Product))}
    assert in_catalog and set(rows) == in_catalog
    assert all(p.orderable for p in rows.values())
    assert all(p.vial_sizes for p in rows.values() if p.id == "octagam_10")


def test_fresh_database_registers_orders_and_books_through_the_pages(app, client, runner, session):
    _log_in(client, _coordinator(runner))
    response = client.post("/nurses/new", data=nurse_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    nurse_id = int(response.headers["Location"].rstrip("/").split("/")[-1])

    response = client.post("/patients/new", data=patient_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    patient_id = int(response.headers["Location"].rstrip("/").split("/")[-1])

    response = client.post(f"/orders/new?patient={patient_id}", data=order_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    order_id = session.scalar(select(TherapyOrder.id))
    session.rollback()  # SQLite: a session's read holds the write lock (BEGIN IMMEDIATE) until it ends
    assert response.headers["Location"] == f"/orders/{order_id}/book"

    response = client.post(f"/orders/{order_id}/book",
                           data={"nurse_id": str(nurse_id), "start_date": "2026-11-18", "start_time": "09:00"})
    assert response.status_code == 302, response.get_data(as_text=True)
    visits = list(session.scalars(select(Visit).order_by(Visit.starts_at)))
    assert [v.day_number for v in visits] == [1, 2]
    assert visits[0].starts_at == datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


def test_fresh_database_registers_orders_and_books_through_the_api(app, client, runner, session):
    email = _coordinator(runner)
    result = runner.invoke(args=["users", "token", "--email", email, "--name", "pharmacy"])
    assert result.exit_code == 0, result.output
    headers = {"Authorization": f"Bearer {result.stdout.strip().splitlines()[-1]}"}
    _log_in(client, email)
    response = client.post("/nurses/new", data=nurse_form())
    nurse_id = int(response.headers["Location"].rstrip("/").split("/")[-1])

    products = client.get("/api/v1/products", headers=headers).get_json()
    assert "octagam_10" in {p["id"] for p in products["items"]}

    body = {key: value for key, value in patient_form().items() if key not in ("weight_kg", "lat", "lon", "height_cm")}
    body.update(height_cm=162, weight_kg=70, email_consent=True)  # no coordinates: placed from the ZIP code
    response = client.post("/api/v1/patients", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    patient_id = response.get_json()["id"]
    assert response.get_json()["coordinates_source"] == "zip_centre"

    response = client.post("/api/v1/orders", headers=headers, json=dict(
        patient_id=patient_id, product_id="octagam_10", indication="itp", dose_g_per_kg=1, days=2,
        earliest_start="2026-11-18", window_days=4))
    assert response.status_code == 201, response.get_json()
    order_id = response.get_json()["id"]

    response = client.post("/api/v1/visits", headers=headers,
                           json=dict(order_id=order_id, nurse_id=nurse_id, start="2026-11-18T15:00:00Z"))
    assert response.status_code == 201, response.get_json()
    assert len(response.get_json()["visits"]) == 2
    assert session.scalar(select(func.count()).select_from(Visit)) == 2
