"""The whole life of an order through the test client: the list with states and filters,
course days (booked, cancelled, unbooked), booking a cancelled day again from suggestions,
editing (re-plan, keeping what holds) and discontinuing; and the same through the API."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from scheduler.clinical import load_catalog
from scheduler.models import AuditEvent, Reminder, TherapyOrder, Visit
from scheduler.operations.visits import book_series, cancel_visit
from tests.factories import PASSWORD, make_nurse, make_order, make_patient, make_product, make_user, make_visit
from tests.web.api_support import Api, make_token

CHICAGO = ZoneInfo("America/Chicago")
# Tuesday 1 December 2026, 09:00 in Chicago; the course starts the Monday after.
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
MONDAY = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff(session, client):
    coordinator = make_user(session, role="coordinator", email="coord@example.org")
    nurse = make_nurse(session, first_name="Ana", last_name="Ruiz")
    patient = make_patient(session, first_name="Maria", last_name="Lopez", weight_kg=80, height_cm=175, sex="male",
                           email_consent_at=datetime(2026, 11, 1, tzinfo=timezone.utc))
    make_product(session).name = "Octagam 10%"
    session.commit()
    assert client.post("/login", data={"email": "coord@example.org", "password": PASSWORD}).status_code == 302
    return coordinator, nurse, patient


def booked_course(session, nurse, patient, **order_values):
    order = make_order(session, patient=patient, earliest_start=MONDAY, **order_values)
    session.commit()
    visits = book_series(session, order.id, nurse.id, datetime.combine(MONDAY, time(8), tzinfo=CHICAGO), load_catalog(),
                         actor=None, now=NOW)
    session.commit()
    return order, visits


def test_orders_list_shows_every_state_and_filters_by_state_product_and_patient(client, session, staff):
    _, nurse, patient = staff
    other = make_patient(session, first_name="Jon", last_name="Berg")
    to_book = make_order(session, patient=other, earliest_start=MONDAY)
    booked, _ = booked_course(session, nurse, patient)
    partly, (day1, day2) = booked_course(session, make_nurse(session), make_patient(session, last_name="Quist"),
                                         window_days=4)
    cancel_visit(session, day2.id, "Patient away", actor=None, now=NOW)
    stopped = make_order(session, patient=other, status="cancelled", discontinue_reason="Switched to SCIG")
    ancient = make_order(session, patient=other, earliest_start=date(2024, 1, 8))  # never booked, long lapsed
    session.commit()

    body = client.get("/orders/").get_data(as_text=True)
    for order in (to_book, booked, partly):
        assert f'href="/orders/{order.id}"' in body
    assert "To book" in body and "Partly booked" in body and "Octagam 10%" in body
    assert f'href="/orders/{stopped.id}"' not in body  # the default list is the open orders
    assert f'href="/orders/{ancient.id}"' not in body  # history is not read for the open list
    assert f'href="/orders/{ancient.id}"' in client.get("/orders/?state=all").get_data(as_text=True)
    assert f"/orders/{ancient.id}/book" not in client.get("/dashboard/").get_data(as_text=True)
    assert f"/orders/{partly.id}/book?days=2" in body  # the cancelled day, one click from booking again

    only_partly = client.get("/orders/?state=partly_booked").get_data(as_text=True)
    assert f'href="/orders/{partly.id}"' in only_partly and f'href="/orders/{booked.id}"' not in only_partly
    discontinued = client.get("/orders/?state=discontinued").get_data(as_text=True)
    assert f'href="/orders/{stopped.id}"' in discontinued and f'href="/orders/{booked.id}"' not in discontinued
    by_name = client.get("/orders/?state=all&patient=berg").get_data(as_text=True)
    assert f'href="/orders/{to_book.id}"' in by_name and f'href="/orders/{stopped.id}"' in by_name
    assert f'href="/orders/{booked.id}"' not in by_name

    odd = client.get("/orders/?state=<script>&product=nope")
    assert odd.status_code == 200 and "showing the open orders" in odd.get_data(as_text=True)
    assert "<script>" not in odd.get_data(as_text=True)
    audit = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "order_list")).first()
    assert audit is not None and patient.id in audit.details["patient_ids"]


def test_a_cancelled_day_is_shown_and_booked_again_from_suggestions(client, session, staff):
    _, nurse, patient = staff
    order, (day1, day2) = booked_course(session, nurse, patient)
    assert client.post(f"/visits/{day2.id}/cancel", data={"scope": "one", "reason": "Patient away",
                                                          "confirm": "1"}).status_code == 302

    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Cancelled" in page and "Patient away" in page and "Partly booked" in page
    assert f"/orders/{order.id}/book?days=2" in page

    book = client.get(f"/orders/{order.id}/book?days=2").get_data(as_text=True)
    assert "Book day(s) 2 of 2" in book and "Suggestions" in book and "Day 2:" in book
    assert 'name="days" value="2"' in book
    # The first suggestion, as its Book button posts it.
    response = client.post(f"/orders/{order.id}/book?days=2", data={
        "nurse_id": nurse.id, "start_date": "2026-12-08", "start_time": "08:00", "days": "2"})
    assert response.status_code == 302 and response.headers["Location"] == f"/orders/{order.id}"
    session.expire_all()
    visits = session.scalars(select(Visit).where(Visit.order_id == order.id).order_by(Visit.id)).all()
    assert [(v.day_number, v.status) for v in visits] == [(1, "booked"), (2, "cancelled"), (2, "booked")]
    assert visits[2].plan == visits[0].plan  # the day booked again carries the course's plan
    url = f"/orders/{order.id}"
    session.rollback()  # SQLite: end the test's read before the app writes again
    assert "Booked" in client.get(url).get_data(as_text=True)


def test_booking_a_day_that_is_booked_says_which_and_books_nothing(client, session, staff):
    _, nurse, patient = staff
    order, _ = booked_course(session, nurse, patient)
    response = client.post(f"/orders/{order.id}/book", data={
        "nurse_id": nurse.id, "start_date": "2026-12-09", "start_time": "08:00", "days": "1"})
    assert response.status_code == 422
    assert "already booked for day(s) 1" in response.get_data(as_text=True)
    bad = client.post(f"/orders/{order.id}/book", data={
        "nurse_id": nurse.id, "start_date": "2026-12-09", "start_time": "08:00", "days": "7,x"})
    assert bad.status_code == 422 and "has days 1 to 2" in bad.get_data(as_text=True)
    assert len(session.scalars(select(Visit).where(Visit.order_id == order.id)).all()) == 2


def order_form(order, **overrides):
    data = dict(indication="itp", product_id="octagam_10", dose_g_per_kg=str(order.dose_g_per_kg), days=str(order.days),
                weight_policy="actual", rounding="exact", premedication="", earliest_start=order.earliest_start.isoformat(),
                window_days=str(order.window_days), prescriber="Dr. Who", save="1")
    data.update(overrides)
    return data


def test_editing_an_order_keeps_the_visits_that_still_fit_and_names_those_that_must_move(client, session, staff):
    _, nurse, patient = staff
    order, (day1, day2) = booked_course(session, nurse, patient)  # 1 g/kg: 08:00-11:46 both days
    # Ana's next patient on Tuesday at noon: a longer day 2 no longer fits before it.
    make_visit(session, nurse=nurse, starts_at=datetime(2026, 12, 8, 12, 0, tzinfo=CHICAGO))
    day1.needs_replan_reason = "Weight changed since booking."  # editing the order re-plans it
    session.commit()
    assert 'value="2026-12-07"' in client.get(f"/orders/{order.id}/edit").get_data(as_text=True)  # prefilled

    response = client.post(f"/orders/{order.id}/edit", data=order_form(
        order, dose_g_per_kg="2", prescriber_override_reason="Dr. Who: refractory ITP, 2 g/kg per day"))
    assert response.status_code == 302
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "1 booked visit(s) kept with the new plan" in page
    assert "Day 2 (Tue 08 Dec 08:00 America/Chicago) must move" in page
    assert "Nurse Ana Ruiz is already at" in page and "Tue 8 Dec 12:00–17:00 CST" in page
    session.expire_all()
    day1, day2 = session.get(Visit, day1.id), session.get(Visit, day2.id)
    assert day1.status == "booked" and day1.ends_at.astimezone(CHICAGO).time() == time(13, 10)
    assert day1.plan["dose_g_per_kg"] == 2 and day1.needs_replan_reason == ""
    assert day2.status == "cancelled"
    assert session.get(TherapyOrder, order.id).dose_g_per_kg == 2.0
    assert f"/orders/{order.id}/book?days=2" in page
    session.rollback()


def test_bad_edit_input_is_refused_beside_the_field_and_kept(client, session, staff):
    _, nurse, patient = staff
    order, _ = booked_course(session, nurse, patient)
    response = client.post(f"/orders/{order.id}/edit", data=order_form(order, days="11", prescriber="Dr. No"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Number must be between" in body and 'value="Dr. No"' in body
    session.expire_all()
    assert session.get(TherapyOrder, order.id).days == 2


def test_discontinuing_cancels_the_visits_ahead_and_their_reminders(client, session, staff):
    _, nurse, patient = staff
    order, visits = booked_course(session, nurse, patient)
    ids, url = [v.id for v in visits], f"/orders/{order.id}"
    assert session.scalars(select(Reminder).where(Reminder.visit_id.in_(ids), Reminder.status == "pending")).first()
    session.rollback()

    refused = client.post(f"{url}/discontinue", data={"reason": "  "})
    assert refused.status_code == 422 and "Give a reason for discontinuing" in refused.get_data(as_text=True)

    response = client.post(f"{url}/discontinue", data={"reason": "Platelets recovered"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(TherapyOrder, int(url.rsplit("/", 1)[1])).status == "cancelled"
    assert {session.get(Visit, i).status for i in ids} == {"cancelled"}
    assert not session.scalars(select(Reminder).where(Reminder.visit_id.in_(ids), Reminder.status == "pending")).first()
    url, form = f"/orders/{order.id}", order_form(order)
    session.rollback()
    page = client.get(url).get_data(as_text=True)
    assert "Discontinued" in page and "Platelets recovered" in page and "Book day" not in page
    again = client.post(f"{url}/discontinue", data={"reason": "twice"})
    assert again.status_code == 422 and "already discontinued" in again.get_data(as_text=True)
    assert "can no longer be edited" in client.get(f"{url}/edit").get_data(as_text=True)
    assert client.post(f"{url}/edit", data=form).status_code == 422


@pytest.fixture
def api(session, client, staff):
    coordinator, _, _ = staff
    return Api(client, make_token(session, coordinator))


def test_api_lists_course_days_books_one_day_and_filters_orders_by_state(api, session, staff):
    _, nurse, patient = staff
    order, (_, day2) = booked_course(session, nurse, patient)
    cancel_visit(session, day2.id, "Patient away", actor=None, now=NOW)
    session.commit()

    detail = api.get(f"/orders/{order.id}").get_json()
    assert detail["state"] == "partly_booked"
    assert [(d["day_number"], d["state"]) for d in detail["course_days"]] == [(1, "booked"), (2, "cancelled")]
    assert detail["course_days"][1]["visit"]["id"] == day2.id

    listed = api.get("/orders?state=partly_booked").get_json()
    assert [o["id"] for o in listed["items"]] == [order.id] and listed["items"][0]["open_days"] == [2]
    assert api.get("/orders?state=booked").get_json()["items"] == []
    assert api.get("/orders?state=nonsense").status_code == 422

    slots = api.get(f"/orders/{order.id}/slots?days=2").get_json()["items"]
    assert slots and all(len(s["starts_at"]) == 1 for s in slots)  # one visit: day 2 only
    assert api.get(f"/orders/{order.id}/slots?days=x").status_code == 422
    assert api.get(f"/orders/{order.id}/slots?days=9").status_code == 422
    start = datetime(2026, 12, 8, 9, 0, tzinfo=CHICAGO).isoformat()
    refused = api.post("/visits", json={"order_id": order.id, "nurse_id": nurse.id, "start": start, "days": [1]})
    assert refused.status_code == 422 and "already booked for day(s) 1" in refused.get_json()["error"]["message"]
    assert api.post("/visits", json={"order_id": order.id, "nurse_id": nurse.id, "start": start,
                                     "days": "2"}).status_code == 422
    booked = api.post("/visits", json={"order_id": order.id, "nurse_id": nurse.id, "start": start, "days": [2]})
    assert booked.status_code == 201
    [visit] = booked.get_json()["visits"]
    assert visit["day_number"] == 2
    assert api.get(f"/orders/{order.id}").get_json()["state"] == "booked"


def test_conflicts_and_warnings_read_as_sentences_with_the_code_as_tooltip(client, session, staff):
    _, nurse, patient = staff
    blocker = make_visit(session, nurse=nurse, starts_at=datetime(2026, 12, 7, 9, 0, tzinfo=CHICAGO))
    order = make_order(session, patient=patient, earliest_start=MONDAY)
    session.commit()
    response = client.post(f"/orders/{order.id}/book", data={
        "nurse_id": nurse.id, "start_date": "2026-12-07", "start_time": "08:00"})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'title="nurse_overlap"' in body and "Nurse busy." in body
    assert "Nurse Ana Ruiz is already at Pat " in body and "Mon 7 Dec 09:00–14:00 CST" in body
    assert f"visit #{blocker.id}" in body
    assert "<code>" not in body
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert 'title="excipient"' in page and "Excipient:" in page
    assert ">octagam_10<" not in page and "Octagam 10%" in page


def test_dashboard_and_calendar_name_the_product(client, session, staff):
    _, nurse, patient = staff
    booked_course(session, nurse, patient)
    make_order(session, patient=make_patient(session), earliest_start=MONDAY)  # to book: on the dashboard
    session.commit()
    for url in ("/dashboard/", "/calendar/?week=2026-12-07"):
        body = client.get(url).get_data(as_text=True)
        assert "Octagam 10%" in body and "· octagam_10 ·" not in body


def test_dashboard_lists_days_to_book_and_undocumented_visits_each_linking_to_its_action(client, session, staff):
    _, nurse, patient = staff
    order, (_, day2) = booked_course(session, nurse, patient)
    cancel_visit(session, day2.id, "Patient away", actor=None, now=NOW)
    fresh = make_order(session, patient=make_patient(session, last_name="Quist"), earliest_start=MONDAY)
    yesterday = make_visit(session, nurse=nurse, starts_at=datetime(2026, 11, 30, 8, 0, tzinfo=CHICAGO))
    later_today = make_visit(session, nurse=nurse, starts_at=datetime(2026, 12, 1, 13, 0, tzinfo=CHICAGO))
    session.get(Visit, order.visits[0].id).needs_replan_reason = "Weight changed by more than 10% since booking."
    session.commit()
    body = client.get("/dashboard/").get_data(as_text=True)
    assert f'href="/orders/{order.id}/book?days=2"' in body and "cancelled: day 2" in body
    assert f'href="/orders/{fresh.id}/book?days=1,2"' in body
    assert "Past visits not documented <small>(1)</small>" in body
    assert f'href="/visits/{yesterday.id}"' in body and "never started" in body
    assert f'href="/visits/{later_today.id}">' not in body.split("Past visits not documented")[1]
    assert "Visits needing re-plan <small>(1)</small>" in body
    assert f'href="/visits/{order.visits[0].id}"' in body.split("Visits needing re-plan")[1]  # its one-action re-plan
    assert "Weight changed by more" in body


def test_cancel_asks_for_confirmation_and_can_be_undone_the_same_day_while_the_slot_is_free(client, session, staff):
    _, nurse, patient = staff
    order, (day1, day2) = booked_course(session, nurse, patient)
    url, day2_id = f"/visits/{day1.id}", day2.id
    session.rollback()
    asked = client.post(f"{url}/cancel", data={"scope": "rest", "reason": "Admitted to hospital"})
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Cancel 2 visit(s) for Lopez, Maria?" in body and "Yes, cancel" in body
    assert 'value="Admitted to hospital"' in body and "Mon 07 Dec 08:00–11:46 America/Chicago" in body
    assert read_status(session, day2_id) == "booked"  # nothing cancelled yet

    assert client.post(f"{url}/cancel", data={"scope": "rest", "reason": "Admitted to hospital",
                                              "confirm": "1"}).status_code == 302
    assert read_status(session, day2_id) == "cancelled"
    assert "Undo the cancellation" in client.get(f"/visits/{day2_id}").get_data(as_text=True)

    # Day 2's slot taken by another patient meanwhile: undo says so and changes nothing.
    other = make_visit(session, nurse=nurse, starts_at=datetime(2026, 12, 8, 9, 0, tzinfo=CHICAGO))
    session.commit()
    refused = client.post(f"/visits/{day2_id}/undo-cancel")
    assert refused.status_code == 409 and "Nurse busy." in refused.get_data(as_text=True)
    assert read_status(session, day2_id) == "cancelled"
    session.delete(session.get(Visit, other.id))
    session.commit()

    assert client.post(f"/visits/{day2_id}/undo-cancel").status_code == 302
    assert read_status(session, day2_id) == "booked"
    assert session.scalars(select(Reminder).where(Reminder.visit_id == day2_id, Reminder.status == "pending")).first()
    session.rollback()
    # The next day the cancellation of day 1 stands.
    with time_machine.travel(datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc), tick=False):
        client.post("/login", data={"email": "coord@example.org", "password": PASSWORD})  # the idle session ended
        late = client.post(f"{url}/undo-cancel")
        assert late.status_code == 422 and "can no longer be undone" in late.get_data(as_text=True)


def read_status(session, visit_id):
    status = session.scalar(select(Visit.status).where(Visit.id == visit_id))
    session.rollback()
    return status


def test_rescheduling_offers_ranked_suggestions_that_move_the_visit(client, session, staff):
    _, nurse, patient = staff
    make_nurse(session, first_name="Olga", last_name="Berg")
    order, (_, day2) = booked_course(session, nurse, patient)
    url = f"/visits/{day2.id}"
    session.rollback()
    page = client.get(url).get_data(as_text=True)
    assert "Move it: suggestions" in page and page.count("Move here") >= 2 and "Olga Berg" in page
    # The first suggestion, as its button posts it: another nurse or time the same day.
    form = page.split("Move here")[0].rsplit("<form", 1)[1]
    values = dict(re.findall(r'name="(nurse_id|start_date|start_time|scope)" value="([^"]*)"', form))
    assert client.post(f"{url}/reschedule", data=values).status_code == 302
    session.expire_all()
    moved = session.get(Visit, day2.id)
    assert (moved.nurse_id, moved.starts_at.astimezone(CHICAGO).strftime("%Y-%m-%d %H:%M")) == (
        int(values["nurse_id"]), f"{values['start_date']} {values['start_time']}")


def test_suggestions_say_why_the_earlier_days_of_the_window_were_not_offered(client, session, staff):
    from scheduler.models import TimeOff

    _, nurse, patient = staff
    nurse.time_off = [TimeOff(starts_at=datetime(2026, 12, 1, 0, 0, tzinfo=CHICAGO),
                              ends_at=datetime(2026, 12, 3, 0, 0, tzinfo=CHICAGO))]
    make_visit(session, nurse=nurse, starts_at=datetime(2026, 12, 3, 10, 0, tzinfo=CHICAGO), duration=timedelta(hours=6))
    order = make_order(session, patient=patient, earliest_start=date(2026, 12, 3), window_days=4)  # Thu 3 ± 4
    session.commit()
    body = client.get(f"/orders/{order.id}/book").get_data(as_text=True)
    assert "Not offered earlier in the window" in body
    assert "Tue 1 Dec: no nurse works that day (time off)." in body
    assert "Thu 3 Dec: no nurse free for 3 h 46 min." in body  # 07:00-10:00 and after 16:00 are too short
    assert "Fri 4 Dec: no nurse free on all 2 days of the course from that day." in body  # day 2 a Saturday
    assert "Sun 6 Dec: no nurse works that day." in body
    assert "Mon 7 Dec:" not in body and "Mon 07 Dec" in body  # the first day offered


def test_week_calendar_is_a_time_grid_with_lanes_lengths_drives_today_and_cancelled(client, session, staff):
    _, nurse, patient = staff
    east = make_patient(session, first_name="Eve", last_name="Stone", timezone="America/New_York")
    long_one = make_visit(session, nurse=nurse, starts_at=datetime(2026, 12, 1, 7, 0, tzinfo=CHICAGO),
                          duration=timedelta(hours=6), travel_before_min=30, travel_after_min=15)
    short_one = make_visit(session, order=make_order(session, patient=east), nurse=nurse,
                           starts_at=datetime(2026, 12, 2, 9, 0, tzinfo=CHICAGO), duration=timedelta(hours=2))
    cancelled = make_visit(session, order=make_order(session, patient=patient), nurse=nurse,
                           starts_at=datetime(2026, 12, 3, 9, 0, tzinfo=CHICAGO), status="cancelled",
                           cancel_reason="Patient away")
    session.commit()
    body = client.get("/calendar/").get_data(as_text=True)  # the week of today, Tue 1 Dec
    assert "Times in America/Chicago" in body
    rects = dict(re.findall(r'href="/visits/(\d+)".*?<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="26"',
                            body, flags=re.S))
    assert float(rects[str(long_one.id)]) == 3 * float(rects[str(short_one.id)])  # 6 h vs 2 h: blocks sized by length
    assert 'width="32.0" height="14" class="drive"' in body  # 30 min drive before, shaded
    today = body.split('class="timegrid-day today"')[1].split("</section>")[0]
    assert "Tuesday 01 December" in today and "Today" in today and 'class="now-line"' in today
    assert f'href="/visits/{cancelled.id}" class="block block-cancelled"' in body and 'class="strike"' in body
    assert "cancelled: Patient away" in body
    assert "patient&#39;s time Wed 2 Dec 10:00–12:00 EST, America/New_York" in body  # both zones
    assert "Stone, E. · Octagam 10% (patient 10:00 EST)" in body
    only_east = client.get("/calendar/?zone=America/New_York").get_data(as_text=True)
    assert f'href="/visits/{short_one.id}"' in only_east and f'href="/visits/{long_one.id}"' not in only_east
    assert client.get("/calendar/?zone=Mars/Base").status_code == 200


def test_patient_page_shows_orders_visits_reminders_and_portal_status(client, session, staff):
    _, nurse, patient = staff
    order, (day1, day2) = booked_course(session, nurse, patient)
    cancel_visit(session, day2.id, "Patient away", actor=None, now=NOW)
    past = make_visit(session, order=make_order(session, patient=patient, earliest_start=date(2026, 11, 23)), nurse=nurse,
                      starts_at=datetime(2026, 11, 23, 8, 0, tzinfo=CHICAGO), status="completed")
    session.add(Reminder(kind="visit_eve", channel="email", patient_id=patient.id, visit_id=past.id, status="sent",
                         due_at=datetime(2026, 11, 22, 23, 0, tzinfo=timezone.utc), dedupe_key="old-eve",
                         expires_at=datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc),
                         sent_at=datetime(2026, 11, 22, 23, 1, tzinfo=timezone.utc)))
    session.commit()
    body = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    care = body.split('<section id="care">')[1].split("</section>")[0]
    assert f'href="/orders/{order.id}"' in care and "Partly booked" in care and "Octagam 10%" in care
    upcoming, rest = care.split("<h2>Upcoming visits</h2>")[1].split("<h2>Past visits</h2>")
    assert f'href="/visits/{day1.id}"' in upcoming and "cancelled: Patient away" in upcoming
    assert f'href="/visits/{past.id}"' in rest.split("<h2>Reminders</h2>")[0]
    assert "Visit tomorrow by email, due 2026-12-06" in care  # day 1's eve reminder, in the patient's zone
    assert "sent 2026-11-22 17:01 CST" in care
    assert "No portal account" in care

    portal = make_user(session, role="patient", email="maria@example.org")
    session.get(type(patient), patient.id).user_id = portal.id
    session.commit()
    assert "never signed in" in client.get(f"/patients/{patient.id}").get_data(as_text=True)


def test_a_large_agency_is_told_whose_availability_the_why_covers_and_can_ask_every_nurse(client, session, staff,
                                                                                           monkeypatch):
    """Suggestions come from the nearest nurses; "why not earlier" then speaks for them and says
    so, with a link that asks every nurse (a slower page at 300 nurses)."""
    from scheduler.models import TimeOff
    from scheduler.operations import visits as visit_operations

    monkeypatch.setattr(visit_operations, "NURSES_PER_ROUND", 2)
    _, nurse, patient = staff
    neighbour = make_nurse(session, first_name="Nell", last_name="Near", home_lat=41.90, home_lon=-87.63)
    for near in (nurse, neighbour):  # both nearest are off on Tuesday 1st
        near.time_off = [TimeOff(starts_at=datetime(2026, 12, 1, 0, 0, tzinfo=CHICAGO),
                                 ends_at=datetime(2026, 12, 2, 0, 0, tzinfo=CHICAGO))]
    make_nurse(session, first_name="Fay", last_name="Far", home_lat=42.3, home_lon=-87.9)  # free on the 1st, far away
    order = make_order(session, patient=patient, earliest_start=date(2026, 12, 8), window_days=7)  # Tue 1 to Tue 15
    session.commit()
    body = client.get(f"/orders/{order.id}/book").get_data(as_text=True)
    assert "Not offered earlier in the window, by the 2 nurses nearest to the patient" in body
    assert "Tue 1 Dec: no nurse works that day (time off)." in body
    link = re.search(r'<a href="([^"]*explain=all[^"]*)">ask every nurse why</a>', body).group(1)
    every = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Not offered earlier" not in every  # every nurse asked: Fay is free that Tuesday
    first_row = every.split("<tbody>")[1].split("</tr>")[0]
    assert "Tue 01 Dec" in first_row and "Fay Far" in first_row
