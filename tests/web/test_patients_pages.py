"""The coordinator's patient pages through the test client: every refusal is shown beside
its field with what was typed kept; a save redirects; search and paging; audit rows."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from scheduler.clock import utcnow
from scheduler.models import AuditEvent, Patient
from tests.factories import make_patient
from tests.web.pages import error_beside, logged_in_client

CHICAGO = ZoneInfo("America/Chicago")


def today() -> date:
    """The patient's date on the test's clock (tests/clock.py), never the machine's."""
    return utcnow().astimezone(CHICAGO).date()


@pytest.fixture
def coordinator_client(app, session):
    return logged_in_client(app, session, "coordinator")


def form_data(**overrides) -> dict:
    data = {
        "first_name": "Maria", "last_name": "Lopez", "date_of_birth": "1968-03-14", "sex": "female",
        "height_cm": "162", "address_line": "2100 N Clark St", "city": "Chicago", "postal_code": "60614",
        "lat": "41.92", "lon": "-87.64", "timezone": "America/Chicago", "phone": "(312) 555-0199",
        "email": "maria@example.org", "preferred_channel": "email", "email_consent": "y",
        "quiet_start": "21:00", "quiet_end": "08:00", "preferred_start": "", "preferred_end": "",
        "iga_status": "normal", "risk_renal": "y", "allergies": "Latex", "notes": "",
        "weight_kg": "70", "measured_on": (today() - timedelta(days=1)).isoformat(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_register_a_patient_redirects_to_the_summary_showing_everything(coordinator_client, session):
    response = coordinator_client.post("/patients/new", data=form_data())
    assert response.status_code == 302
    patient = session.scalars(select(Patient)).one()
    assert response.headers["Location"] == f"/patients/{patient.id}"
    assert (patient.phone_e164, patient.risk_renal, patient.email_consent_at is not None) == ("+13125550199", True, True)
    session.commit()  # end the test's read transaction: SQLite lets one writer at a time
    page = coordinator_client.get(response.headers["Location"]).get_data(as_text=True)
    for shown in ("Lopez, Maria", "1968-03-14", "+13125550199", "Latex", "renal", "70 kg", "America/Chicago",
                  "Edit patient", "Add weight"):
        assert shown in page
    actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["create", "read"]


@pytest.mark.parametrize("overrides, field, message", [
    ({"phone": "555-12"}, "phone", "not a valid phone number"),
    ({"timezone": "Mars/Base"}, "timezone", "Unknown time zone"),
    ({"height_cm": "300"}, "height_cm", "between 40 and 250"),
    ({"height_cm": "tall"}, "height_cm", "Not a valid float"),
    ({"lat": "100"}, "lat", "between -90 and 90"),
    ({"weight_kg": "0"}, "weight_kg", "between 1 and 350"),
    ({"weight_kg": "400"}, "weight_kg", "between 1 and 350"),
    ({"email_consent": None}, "preferred_channel", "consent"),
    ({"preferred_channel": "sms"}, "preferred_channel", "consent to texts"),
    ({"email": "", "email_consent": None}, "preferred_channel", "need an email address"),
    ({"preferred_start": "14:00", "preferred_end": "09:00"}, "preferred_end", "end after they start"),
    ({"quiet_start": "nine"}, "quiet_start", "Not a valid time"),
    ({"last_name": ""}, "last_name", "required"),
    ({"email": "maria@"}, "email", "not a valid email"),
])
def test_bad_input_is_shown_beside_the_field_and_keeps_what_was_typed(coordinator_client, session, overrides, field,
                                                                       message):
    response = coordinator_client.post("/patients/new", data=form_data(allergies="Penicillin <b>", **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_beside(page, field, message), page
    assert 'value="2100 N Clark St"' in page and "Penicillin &lt;b&gt;" in page
    assert session.scalars(select(Patient)).all() == []


def test_edit_shows_the_stored_values_and_saves_changes(coordinator_client, session):
    patient = make_patient(session, first_name="Ana", city="Chicago", phone_e164="+13125550199",
                           email="ana@example.org", preferred_channel="none")
    session.commit()
    page = coordinator_client.get(f"/patients/{patient.id}/edit").get_data(as_text=True)
    assert 'value="Ana"' in page and 'value="+13125550199"' in page
    response = coordinator_client.post(f"/patients/{patient.id}/edit", data=form_data(
        first_name="Ana", city="Evanston", preferred_channel="none", email_consent=None))
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Patient, patient.id).city == "Evanston"
    update = session.scalars(select(AuditEvent).where(AuditEvent.action == "update")).one()
    assert "city" in update.details["fields"] and update.patient_id == patient.id


def test_edit_error_keeps_the_typed_value_not_the_stored_one(coordinator_client, session):
    patient = make_patient(session, city="Chicago")
    session.commit()
    page = coordinator_client.post(f"/patients/{patient.id}/edit",
                                   data=form_data(city="Skokie", lat="100")).get_data(as_text=True)
    assert error_beside(page, "lat", "between -90 and 90") and 'value="Skokie"' in page
    session.expire_all()
    assert session.get(Patient, patient.id).city == "Chicago"


def test_add_weight_and_its_refusals_on_the_summary(coordinator_client, session):
    patient = make_patient(session, weight_kg=70, measured_on=today() - timedelta(days=30))
    session.commit()
    url = f"/patients/{patient.id}/weights"
    day = (today() - timedelta(days=2)).isoformat()
    assert coordinator_client.post(url, data={"weight_kg": "72.5", "measured_on": day}).status_code == 302
    page = coordinator_client.post(url, data={"weight_kg": "73", "measured_on": day}).get_data(as_text=True)
    assert "72.5 kg is already recorded for " + day in page and 'value="73"' in page
    page = coordinator_client.post(url, data={"weight_kg": "0", "measured_on": day}).get_data(as_text=True)
    assert error_beside(page, "weight_kg", "between 1 and 350")
    future = (today() + timedelta(days=3)).isoformat()
    page = coordinator_client.post(url, data={"weight_kg": "71", "measured_on": future}).get_data(as_text=True)
    assert error_beside(page, "measured_on", "in the future")
    session.expire_all()
    assert [w.weight_kg for w in session.get(Patient, patient.id).weights] == [70, 72.5]


def test_search_and_paging(coordinator_client, session):
    for n in range(30):
        make_patient(session, last_name=f"Zeta{n:02d}", city="Springfield")
    make_patient(session, last_name="Alpha", city="Chicago", date_of_birth=date(1944, 4, 4))
    session.commit()
    page = coordinator_client.get("/patients/?q=springfield").get_data(as_text=True)
    assert "30 patients matching" in page and "Zeta00" in page and "Zeta25" not in page and "Page 1 of 2" in page
    page = coordinator_client.get("/patients/?q=springfield&page=2").get_data(as_text=True)
    assert "Zeta25" in page and "Zeta00" not in page
    page = coordinator_client.get("/patients/?q=1944-04-04").get_data(as_text=True)
    assert "Alpha" in page and "Zeta" not in page
    page = coordinator_client.get("/patients/?q=alpha&page=abc").get_data(as_text=True)
    assert "Alpha" in page


@pytest.mark.parametrize("role", ["nurse", "patient"])
def test_nurses_and_patients_are_refused_the_coordinator_pages(app, session, role):
    patient = make_patient(session)
    client = logged_in_client(app, session, role)
    for url in ("/patients/", "/patients/new", f"/patients/{patient.id}/edit"):
        assert client.get(url).status_code == 403
    assert client.post(f"/patients/{patient.id}/weights", data={"weight_kg": "1"}).status_code == 403
