"""The main journeys, clicked through in a real browser as a new user would."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from scheduler.models import Patient, Visit
from tests.e2e.conftest import DESKTOP, PHONE, axe_violations, log_in, new_page, screenshot

pytestmark = pytest.mark.e2e


def next_weekday(after: date, weekday: int = 1) -> date:
    """The first given weekday (0 = Monday) at least three days ahead."""
    day = after + timedelta(days=3)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def test_coordinator_registers_a_patient_orders_books_and_reschedules(browser, live_server):
    context, page = new_page(browser, live_server)
    log_in(page, "coordinator@demo.example")
    assert page.get_by_role("heading", name=re.compile("^Today")).is_visible()
    screenshot(page, "coordinator-dashboard-desktop")

    # Register the referral.
    page.goto("/patients/new")
    form = {
        "First name": "Nadia", "Last name": "Okonkwo", "Date of birth": "1981-04-12", "Height (cm)": "168",
        "Street address": "2100 N Lincoln Ave", "City": "Chicago", "Postal code": "60614",
        "Latitude": "41.9210", "Longitude": "-87.6460", "Phone": "(312) 555-0142", "Email": "nadia@example.org",
        "Weight (kg)": "74", "Weighed on": (date.today() - timedelta(days=2)).isoformat(),
    }
    for label, value in form.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Sex (for dosing-weight formulas)").select_option("female")
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_role("button", name="Save patient").click()
    assert page.get_by_role("heading", name="Okonkwo, Nadia").is_visible()

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
    assert page.get_by_role("heading", name=re.compile("^Book 2 visit")).is_visible()
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
    assert page.locator(f'a[href="/visits/{visits[1].id}"]').is_visible()
    screenshot(page, "week-calendar-desktop")

    # Reschedule day 2 by one day.
    page.locator(f'a[href="/visits/{visits[1].id}"]').click()
    new_day = visits[1].starts_at.date() + timedelta(days=1)
    if new_day.weekday() >= 5:
        new_day += timedelta(days=7 - new_day.weekday())
    page.get_by_label("New date").fill(new_day.isoformat())
    page.get_by_role("button", name="Move").click()
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


MAIN_PAGES = ["/login", "/dashboard/", "/calendar/", "/orders/", "/patients/", "/nurses/"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_main_pages_have_no_serious_accessibility_violations(browser, live_server, viewport):
    context, page = new_page(browser, live_server, viewport=viewport, bypass_csp=True)
    page.goto("/login")
    assert axe_violations(page) == []
    log_in(page, "coordinator@demo.example")
    found = {}
    for path in MAIN_PAGES[1:]:
        page.goto(path)
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    assert found == {}
    context.close()
