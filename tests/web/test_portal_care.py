"""The patient's portal: visits ahead and behind with address and length, blood tests with
test, place and window, results as numbers and a readable chart, the reminders sent, and
"Blood drawn" only from the draw's window, confirmed, with an undo the same day.

The app's clock is pinned with time-machine to instants chosen here.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from scheduler.models import LabDraw, Reminder
from scheduler.operations.labs import record_result
from scheduler.operations.visits import visit_changed
from tests.factories import PASSWORD, make_nurse, make_order, make_user, make_visit
from tests.reliability.reminder_rig import reminder_patient

CHICAGO = ZoneInfo("America/Chicago")
UTC = timezone.utc
COURSE_END = datetime(2026, 11, 23, 14, 30, tzinfo=CHICAGO)  # Monday; draws Tuesday 14:30 (window 12:30-16:30) ...
BEFORE_WINDOW = datetime(2026, 11, 24, 11, 0, tzinfo=CHICAGO)
IN_WINDOW = datetime(2026, 11, 24, 13, 0, tzinfo=CHICAGO)
LATE_SAME_DAY = datetime(2026, 11, 24, 23, 30, tzinfo=CHICAGO)  # already Wednesday in UTC
NEXT_DAY = datetime(2026, 11, 25, 9, 0, tzinfo=CHICAGO)


@contextmanager
def at(client, email: str, moment: datetime):
    """The app's clock at `moment`, with the patient logged in then (a session is only as
    old as its login)."""
    with time_machine.travel(moment.astimezone(UTC), tick=False):
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
        yield


@pytest.fixture
def care(session):
    """A patient whose 1-day course ended Monday, with a result from an earlier course, a visit
    booked next week and an evening reminder sent for it."""
    user = make_user(session, role="patient")
    coordinator = make_user(session, role="coordinator")
    patient = reminder_patient(session, channel="email", now=COURSE_END.astimezone(UTC), user_id=user.id,
                               address_line="2 Elm St", city="Chicago")
    nurse = make_nurse(session, first_name="Nora")
    earlier = make_order(session, patient=patient, days=1, lab_follow_up_hours=[24])
    first = make_visit(session, order=earlier, nurse=nurse, starts_at=datetime(2026, 10, 12, 14, tzinfo=UTC))
    first.status = "completed"
    session.flush()
    visit_changed(session, first, "completed", now=first.ends_at)
    [old_draw] = session.scalars(select(LabDraw)).all()
    record_result(session, old_draw.id, 27.5, actor=coordinator, now=old_draw.due_at + timedelta(hours=3))
    order = make_order(session, patient=patient, days=1, lab_follow_up_hours=[24, 48], draw_place="lab",
                       premedication="Acetaminophen 650 mg 30 min before")
    last = make_visit(session, order=order, nurse=nurse, starts_at=(COURSE_END - timedelta(hours=5, minutes=30)).astimezone(UTC),
                      duration=timedelta(hours=5, minutes=30))
    last.status = "completed"
    session.flush()
    visit_changed(session, last, "completed", now=COURSE_END.astimezone(UTC))
    ahead = make_visit(session, order=order, nurse=nurse, day_number=2,
                       starts_at=datetime(2026, 12, 1, 9, tzinfo=CHICAGO).astimezone(UTC), duration=timedelta(hours=4))
    visit_changed(session, ahead, "booked", now=COURSE_END.astimezone(UTC))
    row = session.scalar(select(Reminder).where(Reminder.visit_id == ahead.id))
    row.status, row.sent_at = "sent", datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # 18:00 CST on the 23rd
    draw_ids = list(session.scalars(select(LabDraw.id).where(LabDraw.visit_id == last.id).order_by(LabDraw.due_at)))
    email = user.email
    session.commit()  # and no object of this session is read again while the app writes (SQLite's lock)
    return email, patient, draw_ids


def portal(client) -> str:
    return client.get("/portal/").get_data(as_text=True)


def test_the_portal_shows_visits_tests_results_chart_and_reminders_plainly(client, care):
    email, _patient, _draw_ids = care
    with at(client, email, BEFORE_WINDOW):
        page = portal(client)
    upcoming = page.split('id="upcoming"')[1].split("</section>")[0]
    assert "Tuesday 1 December, 09:00–13:00 (CST)" in upcoming and "about 4 h" in upcoming
    assert "2 Elm St, Chicago" in upcoming and "Before this visit: Acetaminophen 650 mg" in upcoming
    past = page.split('id="past"')[1].split("</section>")[0]
    assert "Monday 23 November, 09:00–14:30 (CST)" in past and "about 5 h 30 min" in past
    tests = page.split('id="blood-tests"')[1].split("</section>")[0]
    assert "<strong>Platelet count</strong>, at a lab (you go there)" in tests
    assert "Tuesday 24 November, 12:30–16:30 (CST)" in tests and "Wednesday 25 November, 12:30–16:30 (CST)" in tests
    assert "14:30" not in tests  # never the minute the draw was computed for
    results = page.split('id="results"')[1].split("</section>")[0]
    assert re.search(r"<td>Tuesday 13 October</td><td>27.5</td>", results)
    assert "Platelets (x10^9/L)" in results and "Date of the blood test" in results  # labelled axes
    assert "Dashed line at 30:" in results and "Dashed line at 50:" in results  # the lines in words
    sizes = [int(s) for s in re.findall(r'font-size="(\d+)"', results)]
    assert sizes and min(sizes) >= 12
    svg = re.search(r'<svg viewBox="0 0 (\d+) (\d+)" width="(\d+)" height="(\d+)"', results).groups()
    assert svg[0] == svg[2] and svg[1] == svg[3]  # drawn at its own size: labels are not scaled down
    sent = page.split('id="sent"')[1].split("</section>")[0]
    assert "Visit tomorrow (Tuesday 1 December) · sent Monday 23 November at 18:00 (CST) · by email" in " ".join(sent.split())


def test_blood_drawn_is_offered_only_once_the_window_opens(client, session, care):
    email, _patient, (tuesday, wednesday) = care
    with at(client, email, BEFORE_WINDOW):
        assert f"/portal/draws/{tuesday}/drawn" not in portal(client)
        assert "not due yet" in client.get(f"/portal/draws/{tuesday}/drawn").get_data(as_text=True)
        refused = client.post(f"/portal/draws/{tuesday}/drawn", data={"confirm": "yes"}, follow_redirects=True)
        assert "not due yet: you can confirm it from Tuesday 24 November at 12:30 (CST)" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(LabDraw, tuesday).status == "scheduled"
    session.rollback()
    with at(client, email, IN_WINDOW):
        page = portal(client)
        assert f"/portal/draws/{tuesday}/drawn" in page and f"/portal/draws/{wednesday}/drawn" not in page
        confirm = client.get(f"/portal/draws/{tuesday}/drawn").get_data(as_text=True)
        assert "Yes, my blood was drawn" in confirm and "Tuesday 24 November, 12:30–16:30 (CST)" in confirm
        client.post(f"/portal/draws/{tuesday}/drawn")  # no confirmation: nothing happens
        session.expire_all()
        assert session.get(LabDraw, tuesday).status == "scheduled"
        session.rollback()
        done = client.post(f"/portal/draws/{tuesday}/drawn", data={"confirm": "yes"}, follow_redirects=True)
        assert "You can undo it today" in done.get_data(as_text=True)
    session.expire_all()
    draw = session.get(LabDraw, tuesday)
    assert draw.status == "done" and draw.done_at == IN_WINDOW
    assert {r.status for r in session.scalars(select(Reminder).where(Reminder.lab_draw_id == tuesday))} == {"expired"}
    session.rollback()


def test_a_confirmed_draw_can_be_undone_the_same_day_only(client, session, care):
    email, _patient, (tuesday, _wednesday) = care
    with at(client, email, IN_WINDOW):
        client.post(f"/portal/draws/{tuesday}/drawn", data={"confirm": "yes"})
    with at(client, email, LATE_SAME_DAY):  # late evening in Chicago, the next day in UTC: still "today" for him
        page = portal(client)
        assert "Drawn Tuesday 24 November at 13:00 (CST)" in page and "Undo: my blood was not drawn" in page
        client.post(f"/portal/draws/{tuesday}/undo")
    session.expire_all()
    assert (session.get(LabDraw, tuesday).status, session.get(LabDraw, tuesday).done_at) == ("scheduled", None)
    session.rollback()
    with at(client, email, IN_WINDOW + timedelta(hours=1)):
        client.post(f"/portal/draws/{tuesday}/drawn", data={"confirm": "yes"})
    with at(client, email, NEXT_DAY):
        assert "Undo: my blood was not drawn" not in portal(client)
        refused = client.post(f"/portal/draws/{tuesday}/undo", follow_redirects=True).get_data(as_text=True)
        assert "only on the day it was marked" in refused
    session.expire_all()
    assert session.get(LabDraw, tuesday).status == "done"
    session.rollback()


def draw_after_a_course_in_2024(session, patient) -> LabDraw:
    """A one-day course completed Monday 16 September 2024; its 24 h draw (Tuesday the 17th)."""
    years_ago = make_order(session, patient=patient, days=1, lab_follow_up_hours=[24])
    visit = make_visit(session, order=years_ago, nurse=make_nurse(session, first_name="Olga"),
                       starts_at=datetime(2024, 9, 16, 14, tzinfo=UTC))
    visit.status = "completed"
    session.flush()
    visit_changed(session, visit, "completed", now=visit.ends_at)
    [draw] = session.scalars(select(LabDraw).where(LabDraw.visit_id == visit.id)).all()
    return draw


def test_results_older_than_a_year_are_one_link_away_on_both_patient_pages(client, session, care):
    """Her page and her summary show the last twelve months of platelet follow-up (so they cost
    the same in her tenth year of care as in her first); the whole history is a link."""
    email, patient, _draw_ids = care
    coordinator = make_user(session, role="coordinator")
    old = draw_after_a_course_in_2024(session, patient)
    record_result(session, old.id, 12.5, actor=coordinator, now=old.due_at + timedelta(hours=3))
    staff_email = coordinator.email
    session.commit()

    with at(client, email, BEFORE_WINDOW):
        recent = portal(client).split('id="results"')[1].split("</section>")[0]
        whole = client.get("/portal/?history=all").get_data(as_text=True).split('id="results"')[1].split("</section>")[0]
    assert "27.5" in recent and "12.5" not in recent
    assert '<a href="/portal/?history=all#results">Show all my results</a>' in recent
    assert "27.5" in whole and re.search(r"<td>Tuesday 17 September</td><td>12.5</td>", whole)
    assert "Show only the last 12 months" in whole

    client.post("/logout")
    with at(client, staff_email, BEFORE_WINDOW):
        summary = client.get(f"/patients/{patient.id}").get_data(as_text=True).split('id="follow-up"')[1]
        everything = client.get(f"/patients/{patient.id}?history=all").get_data(as_text=True).split('id="follow-up"')[1]
    assert f'<a href="/patients/{patient.id}?history=all#follow-up">Show the whole history</a>' in summary
    assert "27.5" in summary and "12.5" not in summary
    assert "12.5" in everything and f'<a href="/patients/{patient.id}#follow-up">Show only the last 12 months</a>' in everything


def test_a_patient_with_only_recent_results_is_not_offered_an_empty_history_link(client, care):
    email, _patient, _draw_ids = care
    with at(client, email, BEFORE_WINDOW):
        results = portal(client).split('id="results"')[1].split("</section>")[0]
    assert "27.5" in results and "Show all my results" not in results


def test_an_open_draw_older_than_a_year_stays_reachable_and_keeps_its_view(client, session, care):
    """A draw never marked, due two years ago: the dashboard's overdue list opens the summary on
    the whole history, where it can be given a result, and the page comes back to that view."""
    _email, patient, _draw_ids = care
    coordinator = make_user(session, role="coordinator")
    old_id, staff_email = draw_after_a_course_in_2024(session, patient).id, coordinator.email
    session.commit()

    with at(client, staff_email, BEFORE_WINDOW):
        overdue = client.get("/dashboard/").get_data(as_text=True).split("Overdue lab draws")[1]
        assert f'href="/patients/{patient.id}?history=all#follow-up"' in overdue
        whole = client.get(f"/patients/{patient.id}?history=all").get_data(as_text=True)
        action = re.search(rf'action="([^"]*/draws/{old_id}/result\?history=all)"', whole).group(1)
        done = client.post(action, data={"platelets": "41"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/patients/{patient.id}?history=all#follow-up")
    session.expire_all()
    assert session.get(LabDraw, old_id).result.value == 41


def test_a_draw_due_exactly_a_year_ago_is_still_in_the_last_twelve_months(client, session, care):
    from scheduler.operations.labs import RECENT_FOLLOW_UP, draws_for_patient

    _email, patient, _draw_ids = care
    now = BEFORE_WINDOW.astimezone(UTC)
    ids = {row.id for row in draws_for_patient(session, patient.id, since=now - RECENT_FOLLOW_UP)}
    edge = session.scalar(select(LabDraw).where(LabDraw.id.in_(ids)).order_by(LabDraw.due_at).limit(1))
    edge.due_at = now - RECENT_FOLLOW_UP
    session.flush()
    assert edge.id in {d.id for d in draws_for_patient(session, patient.id, since=now - RECENT_FOLLOW_UP)}
    edge.due_at = now - RECENT_FOLLOW_UP - timedelta(seconds=1)
    session.flush()
    assert edge.id not in {d.id for d in draws_for_patient(session, patient.id, since=now - RECENT_FOLLOW_UP)}
    session.rollback()


def test_a_patient_whose_results_are_all_older_is_told_so_not_that_she_has_none(client, session, care):
    email, _patient, _draw_ids = care
    with at(client, email, datetime(2027, 12, 1, 9, tzinfo=CHICAGO)):
        results = portal(client).split('id="results"')[1].split("</section>")[0]
    assert "No results in the last 12 months." in results and "Show all my results" in results
    assert "No results yet" not in results
