"""The coordinator's nurse pages through the test client: register with a login, edit the
week, absences in her zone; refusals beside their fields with what was typed kept."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from scheduler.models import Absence, AuditEvent, Nurse, User
from tests.factories import make_nurse, make_visit
from tests.web.pages import error_beside, logged_in_client


@pytest.fixture
def coordinator_client(app, session):
    return logged_in_client(app, session, "coordinator", email="coord@example.org")


def nurse_data(**overrides) -> dict:
    data = {
        "first_name": "Ana", "last_name": "Ruiz", "phone": "(773) 555-0142", "timezone": "America/Chicago",
        "home_address": "1 Main St, Chicago, IL", "home_lat": "41.88", "home_lon": "-87.63", "max_visits_per_day": "2",
        **{f"start_{d}": "08:00" for d in range(5)}, **{f"end_{d}": "17:00" for d in range(5)},
    }
    data.update(overrides)
    return data


def new_nurse_data(**overrides) -> dict:
    return nurse_data(**{"email": "ana.ruiz@example.org", "full_name": "Ana Ruiz",
                         "password": "a long temporary one", **overrides})


def test_register_a_nurse_creates_her_login_and_she_can_log_in(app, coordinator_client, session):
    response = coordinator_client.post("/nurses/new", data=new_nurse_data())
    assert response.status_code == 302
    nurse = session.scalars(select(Nurse)).one()
    assert response.headers["Location"] == f"/nurses/{nurse.id}"
    assert nurse.user.role == "nurse" and len(nurse.working_hours) == 5
    session.commit()
    page = coordinator_client.get("/nurses/").get_data(as_text=True)
    assert "Ana Ruiz" in page and "+17735550142" in page
    assert app.test_client().post("/login", data={"email": "ana.ruiz@example.org",
                                                  "password": "a long temporary one"}).status_code == 302


@pytest.mark.parametrize("overrides, field, message", [
    ({"password": "too short"}, "password", "at least 12"),
    ({"email": "coord@example.org"}, "email", "already exists"),
    ({"email": "not an email"}, "email", "not a valid email"),
    ({"phone": "12"}, "phone", "not a valid phone number"),
    ({"timezone": "Nowhere/Special"}, "timezone", "Unknown time zone"),
    ({"home_lat": "100"}, "home_lat", "between -90 and 90"),
    ({"max_visits_per_day": "7"}, "max_visits_per_day", "between 1 and 6"),
    ({"end_2": "07:00"}, "end_2", "end must be after the start"),
    ({"end_3": ""}, "end_3", "both start and end"),
    ({"start_4": "noon"}, "start_4", "Not a valid time"),
])
def test_bad_nurse_input_is_shown_beside_the_field_and_kept(coordinator_client, session, overrides, field, message):
    response = coordinator_client.post("/nurses/new", data=new_nurse_data(home_address="7 Oak <Ave>", **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and error_beside(page, field, message), page
    assert 'value="7 Oak &lt;Ave&gt;"' in page and 'value="ana.ruiz@example.org"' in page or field == "email"
    assert session.scalars(select(Nurse)).all() == []
    assert session.scalars(select(User).where(User.role == "nurse")).all() == []


def test_edit_shows_her_week_and_saves_changes_with_an_audit_row(coordinator_client, session):
    nurse = make_nurse(session)
    session.commit()
    page = coordinator_client.get(f"/nurses/{nurse.id}").get_data(as_text=True)
    assert 'name="start_0" type="time" value="07:00"' in page and "No absence recorded" in page
    response = coordinator_client.post(f"/nurses/{nurse.id}", data=nurse_data(max_visits_per_day="4", start_6="09:00",
                                                                               end_6="13:00"))
    assert response.status_code == 302
    session.expire_all()
    saved = session.get(Nurse, nurse.id)
    assert saved.max_visits_per_day == 4 and [h.weekday for h in saved.working_hours] == [0, 1, 2, 3, 4, 6]
    assert session.scalars(select(AuditEvent).where(AuditEvent.object_type == "nurse")).one().action == "update"


def test_absence_is_added_in_her_zone_refused_when_backwards_and_removed(coordinator_client, session):
    nurse = make_nurse(session, timezone="America/New_York")
    session.commit()
    url = f"/nurses/{nurse.id}/absences"
    page = coordinator_client.post(url, data={"starts_local": "2026-12-24T18:00", "ends_local": "2026-12-24T08:00",
                                              "kind": "leave", "reason": "Family"}).get_data(as_text=True)
    assert error_beside(page, "ends_local", "end must be after the start") and 'value="Family"' in page
    response = coordinator_client.post(url, data={"starts_local": "2026-12-24T08:00", "ends_local": "2026-12-26T20:00",
                                                  "kind": "leave", "reason": "Family"})
    assert response.status_code == 302 and response.headers["Location"] == f"/nurses/{nurse.id}"
    off = session.scalars(select(Absence)).one()
    assert off.starts_at == datetime(2026, 12, 24, 13, tzinfo=timezone.utc) and off.kind == "leave"
    session.commit()
    page = coordinator_client.get(f"/nurses/{nurse.id}").get_data(as_text=True)
    assert "2026-12-24 08:00 EST" in page and "Family" in page
    # A forged id too large for the column is "nothing named", never a database error.
    assert coordinator_client.post(f"{url}/remove", data={"absence_id": "99999999999999999999"}).status_code == 302
    assert coordinator_client.post(f"{url}/remove", data={"absence_id": str(off.id)}).status_code == 302
    assert session.scalars(select(Absence)).all() == []


def test_sick_call_over_a_booked_visit_is_recorded_and_leads_to_her_visits(coordinator_client, session):
    nurse = make_nurse(session)
    visit = make_visit(session, nurse=nurse, starts_at=datetime(2026, 12, 1, 15, tzinfo=timezone.utc))
    session.commit()
    response = coordinator_client.post(f"/nurses/{nurse.id}/absences", data={
        "starts_local": "2026-12-01T00:00", "ends_local": "2026-12-02T00:00", "kind": "sick", "reason": ""})
    absence = session.scalars(select(Absence)).one()
    assert response.status_code == 302 and absence.kind == "sick"
    session.commit()
    page = coordinator_client.get(response.headers["Location"]).get_data(as_text=True)
    # The re-plan page (test_replan_pages.py) lists the visit, placed or with the reason it is not.
    assert "1 of her visits fall inside it" in page and f'href="/visits/{visit.id}"' in page


def test_absence_from_the_calendar_needs_a_nurse_from_the_list_and_keeps_the_rest(coordinator_client, session):
    nurse = make_nurse(session)
    session.commit()
    page = coordinator_client.post("/absences/new", data={
        "nurse_id": "987654", "starts_local": "2026-12-01T07:00", "ends_local": "2026-12-01T19:00", "kind": "sick",
        "reason": "called at 6"}).get_data(as_text=True)
    assert error_beside(page, "nurse_id", "Choose the nurse from the list") and 'value="called at 6"' in page
    response = coordinator_client.post("/absences/new", data={
        "nurse_id": str(nurse.id), "starts_local": "2026-12-01T07:00", "ends_local": "2026-12-01T19:00",
        "kind": "sick", "reason": "called at 6"})
    assert response.status_code == 302 and session.scalars(select(Absence)).one().reason == "called at 6"


@pytest.mark.parametrize("role", ["nurse", "patient"])
def test_nurses_and_patients_are_refused_the_nurse_pages(app, session, role):
    nurse = make_nurse(session)
    client = logged_in_client(app, session, role)
    for url in ("/nurses/", "/nurses/new", f"/nurses/{nurse.id}"):
        assert client.get(url).status_code == 403
