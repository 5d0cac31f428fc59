"""Issue 14 on the coordinator's pages: override needed, reasons recorded on the order."""

from datetime import date

import pytest
from sqlalchemy import select

from scheduler.models import TherapyOrder
from tests.factories import PASSWORD, make_nurse, make_order, make_patient, make_product, make_user
from tests.web.test_orders_and_booking_pages import next_monday
from tests.web.test_orders_and_booking_pages import order_form as booking_order_form


@pytest.fixture
def coordinator(session, client):
    make_user(session, role="coordinator", email="coord@example.org")
    session.commit()
    assert client.post("/login", data={"email": "coord@example.org", "password": PASSWORD}).status_code == 302


def order_form(**overrides):
    return booking_order_form(product_id="privigen", **overrides)


def test_child_order_asks_for_a_prescriber_override_and_keeps_the_form(client, session, coordinator):
    make_product(session, product_id="privigen", sizes_g=(5, 10, 20, 40))
    child_id = make_patient(session, weight_kg=20, date_of_birth=date(2020, 3, 1)).id
    session.commit()
    response = client.post(f"/orders/new?patient={child_id}", data={**order_form(), "save": "1"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Needs a prescriber's override" in body and "patients age 15 years and older" in body
    assert 'value="Dr. Who"' in body  # nothing entered is lost
    assert session.scalar(select(TherapyOrder)) is None
    session.rollback()  # the test's read ends before the app writes (SQLite: one writer)
    response = client.post(f"/orders/new?patient={child_id}",
                           data={**order_form(prescriber_override_reason="Dr Who: no other product"), "save": "1"})
    assert response.status_code == 302
    assert session.scalar(select(TherapyOrder)).prescriber_override_reason == "Dr Who: no other product"


def test_iga_acknowledgement_is_recorded_on_the_order_page(client, session, coordinator):
    patient = make_patient(session, iga_status="unknown", iga_tested_on=None)
    order = make_order(session, patient=patient, product=make_product(session))
    session.commit()
    response = client.post(f"/orders/{order.id}/reasons", data={"iga_ack_reason": "Dr Who: IgA drawn, result pending",
                                                                "prescriber_override_reason": "",
                                                                "long_session_reason": ""})
    assert response.status_code == 302
    session.refresh(order)
    assert order.iga_ack_reason == "Dr Who: IgA drawn, result pending" and order.iga_ack_at is not None
    order_id = order.id
    session.rollback()
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "IgA acknowledged" in page


def test_too_long_reason_is_refused_and_kept(client, session, coordinator):
    order = make_order(session, product=make_product(session))
    session.commit()
    text = "x" * 1001
    response = client.post(f"/orders/{order.id}/reasons", data={"long_session_reason": text})
    assert response.status_code == 422 and text in response.get_data(as_text=True)
    session.refresh(order)
    assert order.long_session_reason == ""


def test_booking_page_says_why_an_unknown_iga_blocks_it(client, session, coordinator):
    nurse = make_nurse(session)
    patient = make_patient(session, iga_status="unknown", iga_tested_on=None)
    order = make_order(session, patient=patient, product=make_product(session), earliest_start=next_monday())
    session.commit()
    response = client.post(f"/orders/{order.id}/book", data={"nurse_id": nurse.id,
                                                             "start_date": next_monday().isoformat(),
                                                             "start_time": "08:00"})
    assert response.status_code == 422
    assert "no IgA result is recorded" in response.get_data(as_text=True)


def test_api_refuses_an_early_step_up_without_a_reason_like_the_pages(client, session):
    from datetime import timedelta

    from scheduler.clock import utcnow
    from tests.rounds_support import make_planned_visit, nurse_login
    from tests.web.api_support import Api, make_token

    user, nurse = nurse_login(session)
    visit = make_planned_visit(session, starts_at=utcnow() - timedelta(hours=2), nurse=nurse)
    api = Api(client, make_token(session, user))
    path = f"/visits/{visit.id}/events"
    started = utcnow() - timedelta(hours=1)
    assert api.post(path, json={"type": "start", "at": started.isoformat()}).status_code == 201
    early = {"type": "rate_change", "kind": "step_up", "at": (started + timedelta(minutes=10)).isoformat(),
             "rate_ml_per_hr": 96}
    refused = api.post(path, json=early)
    assert refused.status_code == 422 and "reason" in refused.get_json()["error"]["fields"]
    assert api.post(path, json={**early, "reason": "prescriber's order: faster climb"}).status_code == 201
