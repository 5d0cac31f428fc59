"""The coordinator's order, booking, visit, calendar and dashboard pages through the test client."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from scheduler.clock import utcnow
from scheduler.models import AuditEvent, TherapyOrder, Visit
from tests.factories import PASSWORD, make_nurse, make_order, make_patient, make_product, make_user, make_visit

CHICAGO = ZoneInfo("America/Chicago")


def next_monday() -> date:
    today = utcnow().astimezone(CHICAGO).date()
    return today + timedelta(days=7 - today.weekday())


@pytest.fixture
def staff(session, client):
    make_user(session, role="coordinator", email="coord@example.org")
    nurse = make_nurse(session)
    patient = make_patient(session, first_name="Maria", last_name="Lopez", weight_kg=80, height_cm=175, sex="male")
    make_product(session)
    session.commit()
    assert client.post("/login", data={"email": "coord@example.org", "password": PASSWORD}).status_code == 302
    return nurse, patient


def order_form(**overrides):
    data = dict(indication="itp", product_id="octagam_10", dose_g_per_kg="1", days="2", weight_policy="actual",
                rounding="exact", premedication="", earliest_start=next_monday().isoformat(), window_days="4",
                prescriber="Dr. Who")
    data.update(overrides)
    return data


def test_order_preview_shows_the_plan_without_saving(client, session, staff):
    _, patient = staff
    response = client.post(f"/orders/new?patient={patient.id}", data={**order_form(), "preview": "1"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Octagam 10%" in body and "800 mL" in body and "2 x 30 g" in body
    assert session.scalar(select(func.count()).select_from(TherapyOrder)) == 0


def test_saving_an_order_goes_to_booking(client, session, staff):
    _, patient = staff
    response = client.post(f"/orders/new?patient={patient.id}", data={**order_form(), "save": "1"})
    order = session.scalar(select(TherapyOrder))
    assert response.status_code == 302 and response.headers["Location"] == f"/orders/{order.id}/book"
    assert (order.product_id, order.days, order.dose_g_per_kg) == ("octagam_10", 2, 1.0)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("dose_g_per_kg", "0", "Number must be between"),
        ("dose_g_per_kg", "abc", "Not a valid decimal value"),
        ("days", "11", "Number must be between"),
        ("earliest_start", "", "Enter the start date."),
        ("window_days", "-1", "Number must be between"),
        ("product_id", "no_such_product", "Not a valid choice"),
    ],
)
def test_bad_order_input_is_refused_beside_the_field_and_kept(client, session, staff, field, value, message):
    _, patient = staff
    response = client.post(f"/orders/new?patient={patient.id}", data={**order_form(**{field: value}), "save": "1"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert 'value="Dr. Who"' in body  # what was typed is kept
    assert session.scalar(select(func.count()).select_from(TherapyOrder)) == 0


def test_iga_hard_stop_is_shown_before_saving_and_refuses_the_order(client, session, staff):
    _, patient = staff
    patient.iga_status = "deficient_with_antibodies"
    session.commit()
    response = client.post(f"/orders/new?patient={patient.id}", data={**order_form(), "save": "1"})
    assert response.status_code == 422
    assert "iga_contraindication" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(TherapyOrder)) == 0


def test_product_without_the_indication_is_not_offered(client, staff):
    _, patient = staff
    body = client.get(f"/orders/new?patient={patient.id}").get_data(as_text=True)
    assert "Privigen" in body and "Bivigam" not in body  # Bivigam is PI only


def test_new_order_for_a_missing_patient_is_404(client, staff):
    assert client.get("/orders/new?patient=999999").status_code == 404
    assert client.get("/orders/new").status_code == 404


def test_booking_from_a_suggestion_books_the_course(client, session, staff):
    _, patient = staff
    order = make_order(session, patient=patient, earliest_start=next_monday())
    session.commit()
    page = client.get(f"/orders/{order.id}/book")
    assert page.status_code == 200 and "Suggestions" in page.get_data(as_text=True)
    nurse, _ = staff
    response = client.post(f"/orders/{order.id}/book", data={
        "nurse_id": nurse.id, "start_date": next_monday().isoformat(), "start_time": "08:00"})
    assert response.status_code == 302
    visits = session.scalars(select(Visit).where(Visit.order_id == order.id).order_by(Visit.day_number)).all()
    assert [v.starts_at.astimezone(CHICAGO).time() for v in visits] == [time(8), time(8)]


def test_booking_conflict_says_which_rule_and_which_visit(client, session, staff):
    nurse, patient = staff
    blocker = make_visit(session, nurse=nurse, starts_at=datetime.combine(next_monday(), time(9), tzinfo=CHICAGO))
    order = make_order(session, patient=patient, earliest_start=next_monday())
    session.commit()
    response = client.post(f"/orders/{order.id}/book", data={
        "nurse_id": nurse.id, "start_date": next_monday().isoformat(), "start_time": "08:00"})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "nurse_overlap" in body and f"visit #{blocker.id}" in body
    assert session.scalar(select(func.count()).select_from(Visit).where(Visit.order_id == order.id)) == 0


def test_booking_a_time_that_does_not_exist_is_refused(client, session, staff):
    _, patient = staff
    order = make_order(session, patient=patient, earliest_start=date(2027, 3, 14), window_days=4)
    session.commit()
    # 02:30 on 2027-03-14 is skipped in Chicago (spring forward).
    response = client.post(f"/orders/{order.id}/book", data={"nurse_id": staff[0].id, "start_date": "2027-03-14", "start_time": "02:30"})
    assert response.status_code == 422
    assert "does not exist" in response.get_data(as_text=True)


def _booked_course(session, staff):
    nurse, patient = staff
    order = make_order(session, patient=patient, earliest_start=next_monday())
    session.commit()
    from scheduler.clinical import load_catalog
    from scheduler.operations.visits import book_series

    visits = book_series(session, order.id, nurse.id, datetime.combine(next_monday(), time(8), tzinfo=CHICAGO),
                         load_catalog(), actor=None, now=utcnow())
    session.commit()
    return visits


def test_reschedule_one_visit_from_its_page(client, session, staff):
    day1, day2 = _booked_course(session, staff)
    new_day = next_monday() + timedelta(days=2)
    response = client.post(f"/visits/{day2.id}/reschedule", data={
        "nurse_id": staff[0].id, "start_date": new_day.isoformat(), "start_time": "09:00", "scope": "one"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Visit, day2.id).starts_at == datetime.combine(new_day, time(9), tzinfo=CHICAGO)
    assert session.get(Visit, day1.id).starts_at == datetime.combine(next_monday(), time(8), tzinfo=CHICAGO)


def test_reschedule_into_the_evening_is_refused_with_the_rule(client, session, staff):
    _, day2 = _booked_course(session, staff)
    response = client.post(f"/visits/{day2.id}/reschedule", data={
        "nurse_id": staff[0].id, "start_date": next_monday().isoformat(), "start_time": "18:30", "scope": "one"})
    assert response.status_code == 409
    assert "working_hours" in response.get_data(as_text=True)


def test_cancel_without_a_reason_is_refused_and_with_one_cancels_the_rest(client, session, staff):
    day1, day2 = _booked_course(session, staff)
    refused = client.post(f"/visits/{day1.id}/cancel", data={"scope": "rest", "reason": ""})
    assert refused.status_code == 422 and "Give a reason" in refused.get_data(as_text=True)
    done = client.post(f"/visits/{day1.id}/cancel", data={"scope": "rest", "reason": "Admitted to hospital", "confirm": "1"})
    assert done.status_code == 302
    session.expire_all()
    assert {session.get(Visit, v.id).status for v in (day1, day2)} == {"cancelled"}


def test_week_calendar_shows_each_visit_with_travel_and_filters_by_nurse(client, session, staff):
    day1, _ = _booked_course(session, staff)
    other = make_nurse(session, first_name="Olga")
    session.commit()
    body = client.get(f"/calendar/?week={next_monday().isoformat()}").get_data(as_text=True)
    assert "Lopez, M." in body and "08:00" in body and f"/visits/{day1.id}" in body
    assert "Olga" in body
    filtered = client.get(f"/calendar/?week={next_monday().isoformat()}&nurse={other.id}").get_data(as_text=True)
    assert "Lopez, M." not in filtered
    audit = session.scalar(select(AuditEvent).where(AuditEvent.object_type == "calendar"))
    assert audit.details["patient_ids"] == [day1.patient_id]


def test_a_large_agency_sees_its_week_thirty_nurses_at_a_time(client, session, staff):
    """300 nurses' week is thousands of visits nobody reads at once: the calendar shows the
    nurses by last name, 30 a page, and reads only that page's visits."""
    nurse, patient = staff  # "Nora Nurse"
    others = [make_nurse(session, first_name=f"N{i:02d}", last_name=f"Adams{i:02d}") for i in range(31)]
    late = make_nurse(session, first_name="Zoe", last_name="Zimmer")  # last by name: page 2
    monday = next_monday()
    visit = make_visit(session, order=make_order(session, patient=patient), nurse=late,
                       starts_at=datetime.combine(monday, time(9), tzinfo=CHICAGO).astimezone(ZoneInfo("UTC")))
    session.commit()

    def lanes(body: str) -> str:  # the grid, after the filters' nurse list (which names everyone)
        return body.rsplit("</select>", 1)[1]

    first = client.get(f"/calendar/?week={monday.isoformat()}").get_data(as_text=True)
    assert "Nurses 1–30 of 33, by last name (page 1 of 2)" in first
    assert others[0].display_name in lanes(first) and "Zimmer" not in lanes(first) and f"/visits/{visit.id}" not in first
    assert "nurses=2" in first and "next nurses" in first and "previous nurses" not in first

    second = client.get(f"/calendar/?week={monday.isoformat()}&nurses=2").get_data(as_text=True)
    assert "Nurses 31–33 of 33" in second and "Zimmer" in lanes(second) and f"/visits/{visit.id}" in second
    assert others[0].display_name not in lanes(second) and "previous nurses" in second
    # The week links keep the page; the audit names only the patients shown (none on page 1).
    next_week = re.search(r'<a href="([^"]*)">next week →</a>', second).group(1)
    assert f"week={(monday + timedelta(days=7)).isoformat()}" in next_week and "nurses=2" in next_week

    # One nurse picked from the list: her week, whichever page she is on, and no pager.
    alone = client.get(f"/calendar/?week={monday.isoformat()}&nurse={late.id}").get_data(as_text=True)
    assert f"/visits/{visit.id}" in alone and "Nurses 1–30" not in alone and nurse.display_name not in lanes(alone)
    audits = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "calendar")
                             .order_by(AuditEvent.id)).all()
    assert [a.details["patient_ids"] for a in audits] == [[patient.id], [patient.id]]


@pytest.mark.parametrize("page", ["0", "-3", "abc", "9" * 400, "99"])
def test_a_calendar_page_that_is_not_one_shows_the_nearest(client, session, staff, page):
    for i in range(31):
        make_nurse(session, first_name=f"N{i:02d}", last_name=f"Baker{i:02d}")
    session.commit()
    response = client.get(f"/calendar/?week={next_monday().isoformat()}&nurses={page}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("page 2 of 2" if page in ("99", "9" * 400) else "page 1 of 2") in body


def test_calendar_survives_a_bad_week_argument(client, staff):
    assert client.get("/calendar/?week=not-a-date&nurse=abc&product=<script>").status_code == 200


def test_dashboard_lists_unbooked_orders(client, session, staff):
    _, patient = staff
    order = make_order(session, patient=patient, earliest_start=next_monday())
    session.commit()
    body = client.get("/dashboard/").get_data(as_text=True)
    assert f"/orders/{order.id}/book" in body and "Failed reminders" in body


def test_the_dashboard_lists_todays_visits_thirty_nurses_a_page(client, session, staff):
    _, patient = staff
    for i in range(31):
        make_nurse(session, first_name=f"N{i:02d}", last_name=f"Adams{i:02d}")
    late = make_nurse(session, first_name="Zoe", last_name="Zimmer")
    today = utcnow().astimezone(CHICAGO).date()
    visit = make_visit(session, order=make_order(session, patient=patient), nurse=late,
                       starts_at=datetime.combine(today, time(13), tzinfo=CHICAGO).astimezone(ZoneInfo("UTC")))
    session.commit()
    def by_nurse(body: str) -> str:  # the day's lanes, not the to-do lists (which may name her visit by evening)
        return body.split("Visits by nurse")[1].split("</section>")[0]

    first = client.get("/dashboard/").get_data(as_text=True)
    assert "Nurses 1–30 of 33, by last name (page 1 of 2)" in first and "Zimmer" not in by_nurse(first)
    assert f"/visits/{visit.id}" not in by_nurse(first) and 'href="/dashboard/?nurses=2"' in first
    second = client.get("/dashboard/?nurses=2").get_data(as_text=True)
    assert "Zoe Zimmer" in by_nurse(second) and f"/visits/{visit.id}" in by_nurse(second) and "Days to book" in second
    assert 'href="/dashboard/?nurses=1"' in second and "next nurses" not in second
    assert client.get("/dashboard/?nurses=x").status_code == 200


def test_ids_too_large_for_the_database_are_simply_not_found(client, staff):
    assert client.get("/visits/99999999999").status_code == 404
    assert client.get("/orders/new?patient=99999999999").status_code == 404
    assert client.get("/calendar/?nurse=99999999999").status_code == 200


def test_a_huge_id_on_a_path_with_two_methods_is_404_not_405(client, staff):
    assert client.get("/orders/99999999999/book").status_code == 404
    assert client.post("/orders/99999999999/book").status_code == 404
