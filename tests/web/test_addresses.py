"""Addresses, not coordinates: the coordinator types street, city, State and ZIP; the
coordinates are placed by the geocoder (ZIP centre offline, or a configured service), shown
with where they came from, and can be corrected. A place that cannot be found is said beside
the field, with everything typed kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scheduler.geocoding import GeocodingService
from scheduler.models import Nurse, Patient
from tests.unit import test_geocoding
from tests.web.api_support import Api, make_token
from tests.web.pages import error_beside
from tests.web import test_patients_pages
from tests.factories import make_user

# Fixtures shared with the patient pages and the geocoder tests.
coordinator_client = test_patients_pages.coordinator_client
fake_server = test_geocoding.fake_server


def form_data(**overrides) -> dict:
    data = {
        "first_name": "Maria", "last_name": "Lopez", "date_of_birth": "1968-03-14", "sex": "female",
        "height_cm": "162", "address_line": "1200 Oak St", "city": "Niles", "state": "MI", "postal_code": "49120",
        "lat": "", "lon": "", "timezone": "America/Detroit", "phone": "(312) 555-0199",
        "email": "maria@example.org", "preferred_channel": "email", "email_consent": "y",
        "quiet_start": "21:00", "quiet_end": "08:00", "iga_status": "normal", "allergies": "Latex", "notes": "",
        "weight_kg": "70", "measured_on": "2026-01-05",
    }
    data.update(overrides)
    return data


def _patient(session) -> Patient:
    """The stored patient, read in a transaction that ends at once (SQLite: a reader holds the lock)."""
    session.expire_all()
    patient = session.scalar(select(Patient))
    session.commit()  # expire_on_commit is off: the attributes stay readable
    return patient


def test_a_patient_registered_without_coordinates_is_placed_at_the_zip_centre(coordinator_client, session):
    response = coordinator_client.post("/patients/new", data=form_data(), follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    patient = _patient(session)
    assert (round(patient.lat, 2), round(patient.lon, 2), patient.coordinates_source) == (41.82, -86.24, "zip_centre")
    assert (patient.city, patient.state, patient.postal_code) == ("Niles", "MI", "49120")
    assert "approximate (ZIP centre)" in body and "Niles, MI 49120" in body


def test_a_blank_state_is_filled_from_the_zip(coordinator_client, session):
    assert coordinator_client.post("/patients/new", data=form_data(state="")).status_code == 302
    assert _patient(session).state == "MI"


@pytest.mark.parametrize(("field", "overrides", "message"), [
    ("postal_code", {"postal_code": "4912"}, "is not a US ZIP code"),
    ("postal_code", {"postal_code": "00000"}, "is not in the ZIP data"),
    ("state", {"state": "IL"}, "ZIP code 49120 is in MI, not IL"),
    ("lon", {"lat": "41.9"}, "Enter both latitude and longitude"),
])
def test_an_address_that_cannot_be_placed_is_said_beside_the_field_and_kept(coordinator_client, session, field,
                                                                           overrides, message):
    response = coordinator_client.post("/patients/new", data=form_data(**overrides))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and error_beside(body, field, message), body
    assert 'value="1200 Oak St"' in body and 'value="Niles"' in body and "Latex" in body
    assert _patient(session) is None


def test_coordinates_typed_by_the_coordinator_are_kept_and_marked(coordinator_client, session):
    assert coordinator_client.post("/patients/new", data=form_data(lat="41.8311", lon="-86.254")).status_code == 302
    patient = _patient(session)
    assert (patient.lat, patient.lon, patient.coordinates_source) == (41.8311, -86.254, "entered")
    body = coordinator_client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "entered by hand" in body and f"/patients/{patient.id}/edit" in body


def test_the_coordinator_corrects_the_place_on_the_edit_page(coordinator_client, session):
    assert coordinator_client.post("/patients/new", data=form_data()).status_code == 302
    patient = _patient(session)
    page = coordinator_client.get(f"/patients/{patient.id}/edit").get_data(as_text=True)
    assert "approximate (ZIP centre)" in page
    edit = {k: v for k, v in form_data(lat="41.8311", lon="-86.254").items() if k not in ("weight_kg", "measured_on")}
    assert coordinator_client.post(f"/patients/{patient.id}/edit", data=edit).status_code == 302
    patient = _patient(session)
    assert (patient.lat, patient.lon, patient.coordinates_source) == (41.8311, -86.254, "entered")
    # Re-saved with the same coordinates and only the city's spelling changed: the correction stays.
    edit.update(city="NILES")
    assert coordinator_client.post(f"/patients/{patient.id}/edit", data=edit).status_code == 302
    assert _patient(session).coordinates_source == "entered"


def test_a_new_street_and_zip_are_placed_again(coordinator_client, session):
    assert coordinator_client.post("/patients/new", data=form_data(lat="41.8311", lon="-86.254")).status_code == 302
    patient = _patient(session)
    edit = {k: v for k, v in form_data(lat="41.8311", lon="-86.254", address_line="2100 N Clark St", city="Chicago",
                                       state="IL", postal_code="60614").items()
            if k not in ("weight_kg", "measured_on")}
    assert coordinator_client.post(f"/patients/{patient.id}/edit", data=edit).status_code == 302
    patient = _patient(session)
    assert (round(patient.lat, 2), patient.coordinates_source) == (41.92, "zip_centre")


def test_a_configured_service_places_the_street_address(app, coordinator_client, session, fake_server):
    app.extensions["geocoder"] = GeocodingService("nominatim", fake_server, user_agent="tests", min_delay_s=0)
    response = coordinator_client.post("/patients/new", data=form_data(), follow_redirects=True)
    assert "placed from the street address" in response.get_data(as_text=True)
    patient = _patient(session)
    assert (patient.lat, patient.lon, patient.coordinates_source) == (41.8311, -86.254, "geocoder")


def test_api_registers_an_address_without_coordinates_and_answers_with_their_source(app, client, session):
    api = Api(client, make_token(session, make_user(session, role="coordinator")))
    body = {k: v for k, v in form_data().items() if k not in ("lat", "lon", "weight_kg", "height_cm", "email_consent")}
    body.update(height_cm=162, weight_kg=70, email_consent=True)
    response = api.post("/patients", json=body)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert (round(answer["lat"], 2), round(answer["lon"], 2)) == (41.82, -86.24)
    assert answer["coordinates_source"] == "zip_centre"
    assert answer["coordinates_source_label"] == "approximate (ZIP centre)"
    assert answer["state"] == "MI"


def test_api_names_the_field_of_an_address_it_cannot_place(app, client, session):
    api = Api(client, make_token(session, make_user(session, role="coordinator")))
    body = {k: v for k, v in form_data(postal_code="00000").items()
            if k not in ("lat", "lon", "weight_kg", "height_cm", "email_consent")}
    body.update(height_cm=162, weight_kg=70, email_consent=True)
    response = api.post("/patients", json=body)
    assert response.status_code == 422
    assert "not in the ZIP data" in response.get_json()["error"]["fields"]["postal_code"]


def nurse_form(**overrides) -> dict:
    data = dict(first_name="Ana", last_name="Ruiz", phone="(773) 555-0142", timezone="America/Chicago",
                home_address="1 Main St", home_city="Chicago", home_state="IL", home_postal_code="60601",
                home_lat="", home_lon="", max_visits_per_day="2", email="ana@agency.example", full_name="Ana Ruiz",
                password="temporary password 1", start_0="08:00", end_0="17:00")
    data.update(overrides)
    return data


def test_a_nurse_home_is_placed_from_its_zip_and_shown_with_its_source(coordinator_client, session):
    response = coordinator_client.post("/nurses/new", data=nurse_form(), follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "approximate (ZIP centre)" in body, body
    session.expire_all()
    nurse = session.scalar(select(Nurse))
    session.commit()
    assert (round(nurse.home_lat, 2), nurse.home_state, nurse.home_coordinates_source) == (41.89, "IL", "zip_centre")
    edit = {k: v for k, v in nurse_form(home_lat="41.8827", home_lon="-87.6233").items()
            if k not in ("email", "full_name", "password")}
    assert coordinator_client.post(f"/nurses/{nurse.id}", data=edit).status_code == 302
    session.expire_all()
    assert session.scalar(select(Nurse.home_coordinates_source)) == "entered"
    session.commit()


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"home_postal_code": ""}, "home_postal_code", "Enter the ZIP code"),
    ({"home_postal_code": "00000"}, "home_postal_code", "not in the ZIP data"),
    ({"home_state": "WI"}, "home_state", "is in IL, not WI"),
])
def test_a_nurse_home_that_cannot_be_placed_is_said_beside_the_field(coordinator_client, session, overrides, field,
                                                                    message):
    response = coordinator_client.post("/nurses/new", data=nurse_form(**overrides))
    body = response.get_data(as_text=True)
    assert error_beside(body, field, message), body
    assert 'value="1 Main St"' in body and 'value="ana@agency.example"' in body
    assert session.scalar(select(Nurse)) is None
