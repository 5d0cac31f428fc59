"""An order's life clicked through in a real browser: a cancelled day booked again from the
suggestions, and an order discontinued with its visits ahead cancelled."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from scheduler.models import Patient, TherapyOrder, Visit
from tests.e2e.conftest import log_in, new_page, screenshot
from tests.e2e.test_journeys import next_weekday

pytestmark = pytest.mark.e2e


def order_and_book(page, live_server, last_name: str, *, weeks_later: int = 0) -> int:
    """A new 2-day order for a demo patient, booked from the first suggestion; its id.
    `weeks_later`: another journey (or the demo's next course of a patient with a portal
    login) may already hold the patient's days that week."""
    with live_server.engine().connect() as conn:
        patient_id = conn.scalar(select(Patient.id).where(Patient.last_name == last_name))
    page.goto(f"/orders/new?patient={patient_id}")
    page.get_by_label("Product", exact=True).select_option("octagam_10")
    page.get_by_label("Dose per day (g/kg)").fill("1")
    page.get_by_label("Number of days").fill("2")
    start = next_weekday(date.today(), 2) + timedelta(weeks=weeks_later)
    page.get_by_label("Start date").fill(start.isoformat())
    # The demo patient's day is over the 6-h session limit: the order records why it is kept whole.
    page.get_by_label("Reason to book a day longer than the session limit").fill("Prefers one long day; prescriber agrees")
    page.get_by_role("button", name="Save order").click()
    page.locator("table.slots").get_by_role("button", name="Book").first.click()
    assert "Booked 2 visit(s)" in page.locator(".flash").first.inner_text()
    return int(re.search(r"/orders/(\d+)", page.url).group(1))


def test_coordinator_cancels_day_2_confirms_and_books_it_again_from_suggestions(browser, live_server):
    context, page = new_page(browser, live_server)
    log_in(page, "coordinator@demo.example")
    order_id = order_and_book(page, live_server, "Carter")

    # Cancel day 2 from its visit page: the page asks first.
    page.locator("table.course-days tr.day-row").nth(1).get_by_role("link").first.click()
    page.get_by_label("Reason").fill("Patient at a family wedding")
    page.get_by_role("button", name="Cancel the visit(s)").click()
    assert page.get_by_role("heading", name=re.compile(r"^Cancel 1 visit\(s\)")).is_visible()
    page.get_by_role("button", name="Yes, cancel").click()
    assert "Cancelled 1 visit(s)" in page.locator(".flash").first.inner_text()

    # The order says day 2 is cancelled and offers to book it again.
    page.get_by_role("link", name=f"order #{order_id}").click()
    day2 = page.locator("table.course-days tr.day-row").nth(1)
    assert "Cancelled" in day2.inner_text() and "Partly booked" in page.inner_text("main")
    day2.get_by_role("link", name="Book day 2 again").click()
    assert page.get_by_role("heading", name=re.compile(r"^Book day\(s\) 2 of 2")).is_visible()
    page.locator("table.slots").get_by_role("button", name="Book").first.click()
    assert "Booked 1 visit(s)" in page.locator(".flash").first.inner_text()
    assert "Booked" in page.locator("table.course-days tr.day-row").nth(1).inner_text()
    screenshot(page, "order-course-days-desktop")

    with live_server.engine().connect() as conn:
        days = conn.execute(select(Visit.day_number, Visit.status).where(Visit.order_id == order_id)
                            .order_by(Visit.id)).all()
    assert [tuple(d) for d in days] == [(1, "booked"), (2, "cancelled"), (2, "booked")]
    context.close()


def test_coordinator_discontinues_an_order_from_the_orders_list(browser, live_server):
    context, page = new_page(browser, live_server)
    log_in(page, "coordinator@demo.example")
    order_id = order_and_book(page, live_server, "Carter", weeks_later=2)

    page.get_by_role("link", name="Orders", exact=True).click()
    page.get_by_label("State").select_option("booked")
    page.get_by_role("button", name="Filter").click()
    screenshot(page, "orders-list-desktop")
    page.get_by_role("link", name=f"#{order_id}", exact=True).click()

    page.get_by_role("button", name=f"Discontinue order #{order_id}").click()  # no reason yet: refused, kept on the page
    assert "Give a reason for discontinuing the order." in page.inner_text("main")
    page.get_by_label("Why is the order stopped?").fill("Platelets recovered; prescriber stopped IVIG")
    page.get_by_role("button", name=f"Discontinue order #{order_id}").click()
    assert "2 visit(s) still ahead were cancelled" in page.locator(".flash").first.inner_text()
    assert "Platelets recovered" in page.inner_text("main")
    assert page.get_by_role("link", name=re.compile("Book day")).count() == 0

    with live_server.engine().connect() as conn:
        status = conn.scalar(select(TherapyOrder.status).where(TherapyOrder.id == order_id))
        visits = conn.scalars(select(Visit.status).where(Visit.order_id == order_id)).all()
    assert status == "cancelled" and set(visits) == {"cancelled"}
    context.close()
