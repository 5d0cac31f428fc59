"""Sick call to re-plan through the pages and the API: the absence leads straight to a
proposal beside the receiving nurses' days; all or some rows are applied; a stale proposal
is refused with a sentence (409 in the API) and nothing moves."""

from __future__ import annotations


import pytest
import time_machine
from sqlalchemy import select

from scheduler.clinical import load_catalog
from scheduler.models import Absence, Replan, Visit
from scheduler.operations.visits import reschedule_visit
from tests.factories import PASSWORD, make_user
from tests.replan_support import MONDAY, NOW, book_sick_morning, local
from tests.web.api_support import make_token
from tests.web.pages import logged_in_client


@pytest.fixture(autouse=True)
def friday_before():
    # The pages read the app's clock: the Friday before the sick Monday.
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def coordinator_client(app, session):
    return logged_in_client(app, session, "coordinator", email="coord@example.org")


@pytest.fixture
def morning(session):
    return book_sick_morning(session, load_catalog(), record=False)


def record_sick_day(client, nurse_id):
    return client.post(f"/nurses/{nurse_id}/absences", data={
        "starts_local": "2026-11-23T00:00", "ends_local": "2026-11-24T00:00", "kind": "sick", "reason": "flu"})


def test_sick_call_leads_to_the_proposal_and_applying_all_moves_the_visits(coordinator_client, session, morning):
    response = record_sick_day(coordinator_client, morning.ana.id)
    replan = session.scalars(select(Replan)).one()
    replan_id = replan.id
    assert response.headers["Location"] == f"/replans/{replan_id}"
    session.commit()
    page = coordinator_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 of her visits fall inside it" in page and "Lopez" in page and "Novak" in page
    assert "Ben Okafor" in page or "Cara Lind" in page
    assert "2026-11-23 07:00 CST" in page and "Their days with these moves" in page and "(proposed)" in page
    response = coordinator_client.post(f"/replans/{replan_id}", data={"apply_all": "Apply all rows"})
    assert response.status_code == 302
    session.expire_all()
    monday = [v for v in session.scalars(select(Visit)) if v.starts_at.date() == MONDAY]
    assert {v.nurse_id for v in monday} <= {morning.ben.id, morning.cara.id}
    assert session.get(Replan, replan_id).status == "applied"
    session.commit()
    assert "Applied" in coordinator_client.get(f"/replans/{replan_id}").get_data(as_text=True)


def test_only_the_ticked_rows_are_applied(coordinator_client, session, morning):
    record_sick_day(coordinator_client, morning.ana.id)
    replan = session.scalars(select(Replan)).one()
    first, url = replan.result["rows"][0]["visit_id"], f"/replans/{replan.id}"
    session.commit()
    coordinator_client.post(url, data={"visit_ids": [str(first)], "apply_chosen": "x"})
    session.expire_all()
    moved = [v for v in morning.visits if session.get(Visit, v.id).nurse_id != morning.ana.id]
    assert [v.id for v in moved] == [first]
    session.commit()
    page = coordinator_client.post(url, data={"apply_chosen": "x"}).get_data(as_text=True)
    assert "Tick at least one row" in page


def test_a_stale_proposal_is_refused_with_a_sentence_and_the_ticks_kept(coordinator_client, session, morning):
    record_sick_day(coordinator_client, morning.ana.id)
    replan = session.scalars(select(Replan)).one()
    rows, url = [r["visit_id"] for r in replan.result["rows"]], f"/replans/{replan.id}"
    reschedule_visit(session, rows[0], local(MONDAY.replace(day=25), 9), nurse_id=morning.ben.id,
                     actor=morning.coordinator, now=NOW)
    session.commit()
    page = coordinator_client.post(url, data={"visit_ids": [str(rows[0]), str(rows[1])], "apply_chosen": "x"})
    page = page.get_data(as_text=True)
    assert f"Visit #{rows[0]} changed since the proposal was made" in page
    page = coordinator_client.post(url, data={"visit_ids": [str(rows[0])], "apply_chosen": "x"}).get_data(as_text=True)
    assert page.count(" checked") == 1 and f'value="{rows[0]}" id="row-{rows[0]}"\n                 checked' in page
    session.expire_all()
    assert session.get(Visit, rows[1]).nurse_id == morning.ana.id


def test_api_absence_answers_201_with_the_affected_visits_and_the_replan(app, client, session, morning):
    token = make_token(session, make_user(session, role="coordinator"))
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post(f"/api/v1/nurses/{morning.ana.id}/absences", headers=headers, json={
        "starts_at": "2026-11-23T06:00:00Z", "ends_at": "2026-11-24T06:00:00Z", "kind": "sick"})
    assert response.status_code == 201
    body = response.get_json()
    assert sorted(v["id"] for v in body["affected_visits"]) == sorted(
        v.id for v in morning.visits if v.starts_at.date() == MONDAY)
    replan = client.get(f"/api/v1/replans/{body['replan_id']}", headers=headers).get_json()
    assert len(replan["rows"]) == 2 and replan["unplaced"] == []
    row = replan["rows"][0]
    assert {"from_nurse_id", "from_starts_at", "to_nurse_id", "to_starts_at", "added_drive_min"} <= set(row)
    assert row["to_starts_at"].endswith("+00:00")
    applied = client.post(f"/api/v1/replans/{replan['id']}/apply", headers=headers, json={"visit_ids": [row["visit_id"]]})
    assert applied.status_code == 200 and [v["id"] for v in applied.get_json()["visits"]] == [row["visit_id"]]
    # The other row's visit is moved by hand meanwhile: applying the rest is stale.
    other = replan["rows"][1]["visit_id"]
    reschedule_visit(session, other, local(MONDAY.replace(day=25), 9), nurse_id=morning.cara.id,
                     actor=morning.coordinator, now=NOW)
    session.commit()
    stale = client.post(f"/api/v1/replans/{replan['id']}/apply", headers=headers, json={})
    assert stale.status_code == 409 and stale.get_json()["error"]["conflicts"][0]["rule"] == "stale_proposal"
    bad = client.post(f"/api/v1/replans/{replan['id']}/apply", headers=headers, json={"visit_ids": "all"})
    assert bad.status_code == 422 and "visit_ids" in bad.get_json()["error"]["fields"]


def test_api_absence_without_visits_has_no_replan(client, session, morning):
    token = make_token(session, make_user(session, role="coordinator"))
    session.commit()
    response = client.post(f"/api/v1/nurses/{morning.ben.id}/absences", headers={"Authorization": f"Bearer {token}"},
                           json={"starts_at": "2026-12-01T14:00:00Z", "ends_at": "2026-12-01T20:00:00Z",
                                 "kind": "training"})
    assert response.status_code == 201 and response.get_json()["replan_id"] is None
    assert session.scalars(select(Absence)).one().kind == "training"


def test_her_day_as_a_route_with_map_links_and_optimise(coordinator_client, session, morning):
    # Ana's Monday: Lopez at 07:00, Novak at 13:00 (no sick call in this test).
    page = coordinator_client.get(f"/nurses/{morning.ana.id}/route?date=2026-11-23").get_data(as_text=True)
    assert "her day as a route" in page and "2026-11-23 07:00 CST" in page and "Lopez" in page
    assert "https://www.openstreetmap.org/?mlat=41.94000&amp;mlon=-87.64000" in page and 'href="geo:41.94000,-87.64000"' in page
    assert "drive " in page and "Driving that day" in page
    # Two stops out and back: every order drives the same, so there is nothing to propose.
    response = coordinator_client.post(f"/nurses/{morning.ana.id}/route", data={"date": "2026-11-23"})
    assert response.status_code == 302 and "route?date=2026-11-23" in response.headers["Location"]
    page = coordinator_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "already in the shortest order" in page
    bad = coordinator_client.get(f"/nurses/{morning.ana.id}/route?date=not-a-date")
    assert bad.status_code in (200, 400) and bad.status_code != 500


def test_a_nurse_reads_her_own_route_only_and_cannot_reorder_it(app, session, morning):
    client = app.test_client()
    email = morning.ana.user.email
    session.commit()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    page = client.get(f"/nurses/{morning.ana.id}/route?date=2026-11-23").get_data(as_text=True)
    assert "Lopez" in page and "Optimise this day" not in page and f"/rounds/visits/{morning.visits[0].id}" in page
    assert client.get(f"/nurses/{morning.ben.id}/route?date=2026-11-23").status_code == 404
    assert client.post(f"/nurses/{morning.ana.id}/route", data={"date": "2026-11-23"}).status_code in (403, 404)
