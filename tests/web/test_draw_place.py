"""Where the follow-up blood is taken is part of the order: set on the order form and by the
API, refused clearly when it is neither, and shown on the order."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from scheduler.models import TherapyOrder
from tests.factories import PASSWORD, make_patient, make_product, make_user
from tests.web.api_support import Api, make_token

START = date(2026, 12, 7)


def order_form(**overrides):
    data = dict(indication="itp", product_id="octagam_10", dose_g_per_kg="1", days="2", weight_policy="actual",
                rounding="exact", premedication="", earliest_start=START.isoformat(), window_days="4",
                prescriber="Dr. Who", draw_place="home", save="1")
    data.update(overrides)
    return data


def setup_staff(session, client):
    coordinator = make_user(session, role="coordinator", email="coord@example.org")
    patient = make_patient(session, weight_kg=80, height_cm=175, sex="male")
    make_product(session)
    session.commit()
    assert client.post("/login", data={"email": coordinator.email, "password": PASSWORD}).status_code == 302
    return coordinator, patient


def test_the_order_form_sets_the_draw_place_and_the_order_page_shows_it(client, session):
    _, patient = setup_staff(session, client)
    assert 'name="draw_place"' in client.get(f"/orders/new?patient={patient.id}").get_data(as_text=True)
    response = client.post(f"/orders/new?patient={patient.id}", data=order_form())
    assert response.status_code == 302
    order = session.scalar(select(TherapyOrder))
    session.commit()  # SQLite: end the read before the app writes its audit row
    assert order.draw_place == "home"
    assert "at home, drawn by a nurse" in client.get(f"/orders/{order.id}").get_data(as_text=True)


def test_an_unknown_draw_place_is_refused_with_the_form_kept(client, session):
    _, patient = setup_staff(session, client)
    response = client.post(f"/orders/new?patient={patient.id}", data=order_form(draw_place="moon", prescriber="Dr. Kept"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Not a valid choice" in body and "Dr. Kept" in body
    assert session.scalar(select(func.count()).select_from(TherapyOrder)) == 0


def test_the_api_takes_and_returns_the_draw_place(client, session):
    coordinator, patient = setup_staff(session, client)
    api = Api(client, make_token(session, coordinator))
    body = dict(patient_id=patient.id, product_id="octagam_10", indication="itp", dose_g_per_kg=1, days=2,
                earliest_start=START.isoformat())
    made = api.post("/orders", json={**body, "draw_place": "home"})
    assert made.status_code == 201 and made.get_json()["draw_place"] == "home"
    assert api.post("/orders", json=body).get_json()["draw_place"] == "lab"  # the default
    bad = api.post("/orders", json={**body, "draw_place": "moon"})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"draw_place"}
