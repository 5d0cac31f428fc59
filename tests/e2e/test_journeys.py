"""The main journeys, clicked through in a real browser as a new user would."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from scheduler.models import Patient, VialLot, Visit
from tests.e2e.conftest import DESKTOP, PHONE, axe_violations, log_in, new_page, screenshot, submit_form

pytestmark = pytest.mark.e2e


def next_weekday(after: date, weekday: int = 1) -> date:
    """The first given weekday (0 = Monday) at least three days ahead."""
    day = after + timedelta(days=3)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def test_coordinator_registers_a_patient_orders_books_and_reschedules(browser, live_server):
    context, page = new_page(browser, live_server)
    log_in(page, "coordinator@demo.example")
    expect(page.get_by_role("heading", name=re.compile("^Today"))).to_be_visible()
    screenshot(page, "coordinator-dashboard-desktop")

    # Register the referral.
    page.goto("/patients/new")
    form = {
        "First name": "Nadia", "Last name": "Okonkwo", "Date of birth": "1981-04-12", "Height (cm)": "168",
        "Street address": "2100 N Lincoln Ave", "City": "Chicago", "ZIP code": "60614",
        "Phone": "(312) 555-0142", "Email": "nadia@example.org",
        "Weight (kg)": "74", "Weighed on": (date.today() - timedelta(days=2)).isoformat(),
        "IgA tested on": (date.today() - timedelta(days=20)).isoformat(),
    }
    for label, value in form.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Sex (for dosing-weight formulas)").select_option("female")
    page.get_by_label("State", exact=True).select_option("IL")  # no coordinates typed: placed from the ZIP code
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_label("IgA status").select_option("normal")
    page.get_by_role("button", name="Save patient").click()
    expect(page.get_by_role("heading", name="Okonkwo, Nadia")).to_be_visible()

    # Enter the IVIG order and see its plan before saving.
    start = next_weekday(date.today())
    page.get_by_role("link", name="New therapy order").click()
    page.get_by_label("Product", exact=True).select_option("octagam_10")
    page.get_by_label("Dose per day (g/kg)").fill("1")
    page.get_by_label("Number of days").fill("2")
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_role("button", name="Preview plan").click()
    plan = page.locator("section.plan")
    assert "74 g" in plan.inner_text() and "740 mL" in plan.inner_text()
    screenshot(page, "order-plan-desktop")
    page.get_by_role("button", name="Save order").click()

    # Book the course from the first suggestion.
    expect(page.get_by_role("heading", name=re.compile("^Book 2 visit"))).to_be_visible()
    screenshot(page, "booking-suggestions-desktop")
    page.locator("table.slots").get_by_role("button", name="Book").first.click()
    assert "Booked 2 visit(s)" in page.locator(".flash").first.inner_text()

    with live_server.engine().connect() as conn:
        patient_id = conn.scalar(select(Patient.id).where(Patient.last_name == "Okonkwo"))
        visits = conn.execute(select(Visit.id, Visit.starts_at).where(Visit.patient_id == patient_id)
                              .order_by(Visit.day_number)).all()
    assert len(visits) == 2

    # The week calendar shows the visit; it links to the visit page.
    page.get_by_role("link", name="Calendar").click()
    page.get_by_label("Week of").fill(visits[0].starts_at.date().isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.locator(f'a[href="/visits/{visits[1].id}"]')).to_be_visible()
    screenshot(page, "week-calendar-desktop")

    # Reschedule day 2 by one day.
    page.locator(f'a[href="/visits/{visits[1].id}"]').click()
    new_day = visits[1].starts_at.date() + timedelta(days=1)
    if new_day.weekday() >= 5:
        new_day += timedelta(days=7 - new_day.weekday())
    page.get_by_label("New date").fill(new_day.isoformat())
    page.get_by_role("button", name="Move", exact=True).click()
    assert "Moved 1 visit(s)" in page.locator(".flash").first.inner_text()
    context.close()


def test_patient_cannot_open_another_patients_page(browser, live_server):
    with live_server.engine().connect() as conn:
        other = conn.execute(select(Patient.id, Patient.last_name).where(Patient.last_name == "Carter")).one()
    context, page = new_page(browser, live_server, viewport=PHONE)
    log_in(page, "maria.lopez@demo.example")
    response = page.goto(f"/patients/{other.id}")
    assert response.status == 404
    assert other.last_name not in page.content()
    context.close()


# The main pages of each person, checked with axe-core at desktop and phone widths.
MAIN_PAGES = {
    "coordinator@demo.example": ["/dashboard/", "/calendar/", "/orders/", "/patients/", "/nurses/"],
    "ana.ruiz@demo.example": ["/rounds/", "/account/calendar"],
    "maria.lopez@demo.example": ["/portal/", "/account/calendar"],
}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_main_pages_have_no_serious_accessibility_violations(browser, live_server, viewport):
    found = {}
    for email, paths in MAIN_PAGES.items():
        context, page = new_page(browser, live_server, viewport=viewport, bypass_csp=True)
        page.goto("/login")
        found["/login"] = axe_violations(page)
        log_in(page, email)
        for path in paths:
            page.goto(path)
            found[path] = axe_violations(page)
        context.close()
    assert {path: v for path, v in found.items() if v} == {}


def test_login_works_with_the_keyboard_alone(browser, live_server):
    context, page = new_page(browser, live_server)
    page.goto("/login")
    page.keyboard.press("Tab")  # the brand link
    focused = []
    for _ in range(6):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.name || document.activeElement.id"))
        if focused[-1] == "email":
            break
    page.keyboard.type("coordinator@demo.example")
    page.keyboard.press("Tab")
    page.keyboard.type("demo-infusion-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert focused[-1] == "email", focused
    expect(page.get_by_role("heading", name=re.compile("^Today"))).to_be_visible()
    context.close()


def _nurse_with_a_visit_running_now(live_server, email="journey.nurse@example.org", password="journey nurse password"):
    """A nurse of her own (so no demo visit is in the way at whatever hour CI runs) with a
    visit that began 90 minutes ago: the documentation times below are all in the past."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session

    from scheduler.clinical import load_catalog, plan_to_dict
    from scheduler.operations.plans import plan_for_order
    from tests.factories import make_nurse, make_order, make_patient, make_product, make_user

    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    with Session(live_server.engine()) as session:
        user = make_user(session, role="nurse", email=email, password=password)
        nurse = make_nurse(session, user=user, first_name="Jules")
        patient = make_patient(session, first_name="Rosa", last_name="Journey", weight_kg=60, height_cm=165)
        order = make_order(session, patient=patient, product=make_product(session), days=1, earliest_start=now.date())
        catalog = load_catalog()
        plan = plan_for_order(catalog, order, patient, on=now.date())
        starts_at = now - timedelta(minutes=90)
        visit = Visit(order_id=order.id, patient_id=patient.id, nurse_id=nurse.id, day_number=1, starts_at=starts_at,
                      ends_at=starts_at + timedelta(minutes=float(plan.days[0].visit_min) + 1),
                      catalog_version=catalog.version, plan=plan_to_dict(plan))
        session.add(visit)
        # One lot per nurse made here: the phone journeys (test_phone.py) make nurses of their own too.
        lot = VialLot(product_id="octagam_10", lot_number=f"JOURNEY-{nurse.id}", size_g=30, quantity=5,
                      expiry_date=date(2099, 1, 1))
        session.add(lot)
        session.commit()
        return visit.id, starts_at.astimezone(ZoneInfo(patient.timezone)), visit.plan, lot.id


def test_nurse_documents_an_infusion_on_her_phone(browser, live_server):
    visit_id, started, plan, lot_id = _nurse_with_a_visit_running_now(live_server)
    first_rate = plan["days"][0]["steps"][0]["rate_ml_per_hr"]
    at = lambda minutes: (started + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    context, page = new_page(browser, live_server, viewport=PHONE)
    log_in(page, "journey.nurse@example.org", "journey nurse password")
    screenshot(page, "nurse-day-phone")
    page.locator(f'a[href="/rounds/visits/{visit_id}"]').first.click()
    expect(page.get_by_role("heading", name="Ramp")).to_be_visible()
    expect(page.locator("svg").first).to_be_visible()
    screenshot(page, "nurse-visit-ramp-phone")

    def submit(step: str, fields: dict, button: str) -> None:
        submit_form(page, step, fields, button)

    submit("vitals", {"Moment": "baseline", "Taken at": at(0), "Systolic BP (mmHg)": "118", "Diastolic BP (mmHg)": "76",
                      "Pulse (/min)": "72", "Temperature": "36.8", "Respiratory rate (/min)": "16",
                      "SpO2 (%)": "98"}, "Save vital signs")
    submit("start", {"Infusion started at": at(5)}, "Start")
    submit("rate", {"Change": "pause", "At": at(20), "Why (required to slow down, pause or step up early)": "Headache, flushing"},
           "Save rate change")
    submit("reaction", {"Reaction": "Headache", "Severity": "mild", "Action taken (rate, medications, who was called)": "Paused; acetaminophen given"},
           "Save reaction")
    submit("rate", {"Change": "resume", "At": at(35), "New rate (mL/hr; empty for a pause)": str(first_rate)},
           "Save rate change")
    expect(page.get_by_role("heading", name="Remaining ramp after the change")).to_be_visible()
    screenshot(page, "nurse-remaining-ramp-phone")
    # The rates recorded (36 mL/hr for 15 + 20 min) allow about 21 mL: the dose is incomplete, and says why.
    submit("end", {"Infusion ended at": at(55), "Volume infused (mL, from the pump)": "20",
                   "Why the dose is incomplete (required below 90 % of the planned volume)": "Stopped: headache returned"},
           "End")
    submit("vitals", {"Moment": "end", "Taken at": at(55), "Systolic BP (mmHg)": "120", "Diastolic BP (mmHg)": "78",
                      "Pulse (/min)": "74"}, "Save vital signs")
    submit("lots", {"Lot": str(lot_id), "Vials used": "1", "Unused volume discarded (mL)": "280"}, "Save vials")
    submit("observation", {"Observation ended at": at(85)}, "Observation done")
    submit("sign", {}, "Sign")
    assert page.locator("form#sign").count() == 0  # signed: the record can no longer change
    with live_server.engine().connect() as conn:
        from scheduler.models import InfusionRecord

        record = conn.execute(select(InfusionRecord.signed_at, InfusionRecord.total_volume_ml)
                              .where(InfusionRecord.visit_id == visit_id)).one()
    assert record.signed_at is not None and record.total_volume_ml == 20
    context.close()


def test_nurse_cannot_open_another_nurses_visit(browser, live_server):
    with live_server.engine().connect() as conn:
        from scheduler.models import Nurse, User

        ana = conn.scalar(select(Nurse.id).join(User, User.id == Nurse.user_id).where(User.email == "ana.ruiz@demo.example"))
        visit = conn.execute(select(Visit.id, Patient.last_name).join(Patient, Patient.id == Visit.patient_id)
                             .where(Visit.nurse_id != ana).limit(1)).one()
    context, page = new_page(browser, live_server, viewport=PHONE)
    log_in(page, "ana.ruiz@demo.example")
    response = page.goto(f"/rounds/visits/{visit.id}")
    assert response.status == 404
    assert visit.last_name not in page.content()
    context.close()


# The patient's portal journey on a phone: tests/e2e/test_patient_portal.py.


def _grace_with_a_visit_ahead(live_server):
    """Grace (a demo patient without a portal login) with a visit in three days, and quiet hours
    moved away from this moment so the invitation is not (rightly) held back overnight."""
    from datetime import datetime, time, timezone
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session

    from tests.factories import make_order, make_product

    now = datetime.now(timezone.utc)
    with Session(live_server.engine()) as session:
        grace = session.scalar(select(Patient).where(Patient.email == "grace.miller@demo.example"))
        local_now = now.astimezone(ZoneInfo(grace.timezone))
        grace.quiet_start = (local_now + timedelta(hours=6)).time().replace(second=0, microsecond=0)
        grace.quiet_end = (local_now + timedelta(hours=7)).time().replace(second=0, microsecond=0)
        order = make_order(session, patient=grace, product=make_product(session), days=1, earliest_start=now.date())
        nurse_id = session.scalar(select(Visit.nurse_id).where(Visit.patient_id == grace.id).limit(1))
        # 20:30 her time in three days: the demo's visits are in the daytime (the overlap backstop).
        zone = ZoneInfo(grace.timezone)
        starts = datetime.combine((now + timedelta(days=3)).astimezone(zone).date(), time(20, 30), tzinfo=zone)
        session.add(Visit(order_id=order.id, patient_id=grace.id, nurse_id=nurse_id, day_number=1, status="booked",
                          starts_at=starts, ends_at=starts + timedelta(hours=4), catalog_version="journey", plan={}))
        session.commit()
        return grace.id, starts.astimezone(ZoneInfo(grace.timezone))


def test_coordinator_invites_a_patient_who_sets_his_password_and_sees_his_visits(browser, live_server):
    import time as clock

    patient_id, visit_starts = _grace_with_a_visit_ahead(live_server)
    context, page = new_page(browser, live_server)
    log_in(page, "coordinator@demo.example")
    page.goto(f"/patients/{patient_id}")
    assert page.get_by_role("heading", name="Patient portal").is_visible()
    page.get_by_label("Send the invitation by").select_option("email")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_load_state()
    assert "Portal invitation queued by email to grace.miller@demo.example" in page.content()
    context.close()

    # The worker (a real process) sends it through the local SMTP server.
    deadline = clock.monotonic() + 60
    while not any("grace.miller@demo.example" in m.rcpt_tos for m in live_server.mailbox.messages):
        assert clock.monotonic() < deadline, "no invitation email reached the SMTP server in 60 s"
        clock.sleep(0.5)
    email = next(m for m in live_server.mailbox.messages if "grace.miller@demo.example" in m.rcpt_tos)
    from email import message_from_bytes, policy

    text = message_from_bytes(email.content, policy=policy.default).get_body(("plain",)).get_content()
    link = re.search(r"(/portal/invitation/[A-Za-z0-9._-]+)", text).group(1)

    context, page = new_page(browser, live_server, viewport=PHONE)
    page.goto(link)
    assert page.get_by_label("Your email (you log in with it)").input_value() == "grace.miller@demo.example"
    page.get_by_label(re.compile("^Choose a password")).fill("grace sets her own password")
    page.get_by_label("The same password again").fill("grace sets her own password")
    page.get_by_role("button", name="Set my password").click()
    page.wait_for_load_state()
    log_in(page, "grace.miller@demo.example", "grace sets her own password")
    page.goto("/portal/")
    assert page.get_by_role("heading", name="Upcoming visits").is_visible()
    assert f"{visit_starts:%A} {visit_starts.day} {visit_starts:%B}" in page.content()
    assert f"{visit_starts:%H:%M}" in page.content()
    context.close()
