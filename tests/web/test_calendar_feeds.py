"""Private calendar feeds: a revocable token of their own (never the session), icalendar-valid,
with ETag and Cache-Control; a nurse's feed names patients only by initials and town.

The app's clock is pinned with time-machine to a chosen instant; nothing reads the wall clock.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import func, select

from scheduler.models import AuditEvent, CalendarFeed
from scheduler.operations.visits import visit_changed
from tests.factories import PASSWORD, make_nurse, make_order, make_user, make_visit
from tests.reliability.reminder_rig import reminder_patient

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 18, 16, 0, tzinfo=timezone.utc)
VISIT_START = datetime(2026, 11, 23, 9, 0, tzinfo=CHICAGO)
FEED_URL = re.compile(r'value="https?://[^/"]+(/feeds/cal_[A-Za-z0-9_-]+\.ics)"')


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(session, clock):
    patient_user = make_user(session, role="patient")
    nurse_user = make_user(session, role="nurse")
    nurse = make_nurse(session, user=nurse_user, first_name="Nora")
    patient = reminder_patient(session, now=NOW, user_id=patient_user.id, first_name="Marguerite",
                               last_name="Lopezsentinel", address_line="77 Secretlane", city="Springfield")
    order = make_order(session, patient=patient, draw_place="home", days=2, lab_follow_up_hours=[24])
    visit = make_visit(session, order=order, nurse=nurse, starts_at=VISIT_START.astimezone(timezone.utc),
                       duration=timedelta(hours=5))
    last = make_visit(session, order=order, nurse=nurse, starts_at=(VISIT_START - timedelta(days=3)).astimezone(timezone.utc),
                      day_number=2)  # a finished course: its home draw is tomorrow
    last.status = "completed"
    last.ends_at = NOW - timedelta(hours=20)
    last.starts_at = last.ends_at - timedelta(hours=5)
    session.flush()
    visit_changed(session, last, "completed", now=NOW)
    session.commit()
    return patient_user, nurse_user, visit


def login(client, user):
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def new_link(app, user) -> str:
    client = app.test_client()
    login(client, user)
    page = client.post("/account/calendar").get_data(as_text=True)
    return FEED_URL.search(page).group(1)


def events(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def test_a_patients_feed_lists_his_visits_and_draws_with_etag_and_cache_control(app, session, people):
    patient_user, _, visit = people
    url = new_link(app, patient_user)
    feed_client = app.test_client()  # no login, no cookie: the token alone
    response = feed_client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    found = events(response.data)
    home_visit = found["Home visit: nurse Nora"]
    assert str(home_visit["UID"]) == f"visit-{visit.id}@127.0.0.1"  # PUBLIC_BASE_URL unset: the worker's default
    assert home_visit.decoded("DTSTART") == VISIT_START and "77 Secretlane" in str(home_visit["LOCATION"])
    assert "5 h 00 min" in str(home_visit["DESCRIPTION"]) and "64 oz" in str(home_visit["DESCRIPTION"])
    draw = found["Blood test (platelet count) at home"]
    assert draw.decoded("DTEND") - draw.decoded("DTSTART") >= timedelta(hours=4)
    assert "private" in response.headers["Cache-Control"] and "max-age=900" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    etag = response.headers["ETag"]
    assert feed_client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "calendar_feed", AuditEvent.action == "read")) == 2


def test_the_etag_changes_when_a_visit_moves(app, session, people):
    patient_user, _, visit = people
    url = new_link(app, patient_user)
    client = app.test_client()
    before = client.get(url).headers["ETag"]
    visit.starts_at, visit.ends_at, visit.version = visit.starts_at + timedelta(hours=2), visit.ends_at + timedelta(hours=2), 2
    session.commit()
    after = client.get(url, headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before
    assert int(events(after.data)["Home visit: nurse Nora"]["SEQUENCE"]) == 1


def test_a_revoked_or_replaced_link_answers_404(app, session, people):
    patient_user, _, _ = people
    first = new_link(app, patient_user)
    second = new_link(app, patient_user)  # a new link replaces the old one
    client = app.test_client()
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    owner = app.test_client()
    login(owner, patient_user)
    assert owner.post("/account/calendar/revoke").status_code == 302
    assert client.get(second).status_code == 404
    assert client.get("/feeds/cal_made-up.ics").status_code == 404
    assert session.scalar(select(func.count()).select_from(CalendarFeed).where(CalendarFeed.revoked_at.is_(None))) == 0


def test_the_feed_token_is_not_a_login(app, people):
    patient_user, _, _ = people
    url = new_link(app, patient_user)
    client = app.test_client()
    assert client.get(url).status_code == 200
    assert client.get("/portal/").status_code == 302  # still sent to log in
    assert client.get(url.replace("/feeds/", "/portal/")).status_code == 404


def test_a_nurses_feed_names_patients_only_by_initials_and_town(app, session, people):
    _, nurse_user, visit = people
    body = app.test_client().get(new_link(app, nurse_user)).data
    found = events(body)
    assert set(found) == {"Visit: M. L. (Springfield)", "Home blood draw: M. L. (Springfield)"}
    assert str(found["Visit: M. L. (Springfield)"]["LOCATION"]) == "Springfield"
    text = body.decode()
    for secret in ("Marguerite", "Lopezsentinel", "Secretlane", "platelet", "octagam"):
        assert secret.lower() not in text.lower()


def test_the_link_page_shows_the_link_once_and_offers_to_turn_it_off(app, people):
    patient_user, _, _ = people
    client = app.test_client()
    login(client, patient_user)
    assert "You have no calendar link" in client.get("/account/calendar").get_data(as_text=True)
    made = client.post("/account/calendar").get_data(as_text=True)
    assert FEED_URL.search(made) and "webcal://" in made
    again = client.get("/account/calendar").get_data(as_text=True)
    assert not FEED_URL.search(again) and "Turn off my calendar link" in again


def test_uids_do_not_depend_on_the_address_the_calendar_reached(app, session, people):
    """A phone on the LAN address and a laptop on the host name get the same UIDs, the ones the
    worker's emailed invitations carry (its PUBLIC_BASE_URL, else 127.0.0.1): otherwise every
    visit shows twice in a calendar that has both."""
    patient_user, _, visit = people
    url = new_link(app, patient_user)
    uids = [{str(e["UID"]) for e in events(app.test_client().get(url, base_url=base).data).values()}
            for base in ("http://192.168.1.20:5000", "http://scheduler.lan")]
    assert uids[0] == uids[1] and f"visit-{visit.id}@127.0.0.1" in uids[0]
    app.config["PUBLIC_BASE_URL"] = "https://care.example.org"
    moved = {str(e["UID"]) for e in events(app.test_client().get(url, base_url="http://192.168.1.20:5000").data).values()}
    assert f"visit-{visit.id}@care.example.org" in moved
