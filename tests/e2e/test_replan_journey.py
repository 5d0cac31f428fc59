"""A sick call in a real browser: absence from the calendar, the proposal, apply, and the
calendar showing the visits with their new nurses."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import Visit
from tests.e2e.conftest import axe_violations, log_in, new_page, screenshot

pytestmark = pytest.mark.e2e
CHICAGO = ZoneInfo("America/Chicago")


def _weekday_ahead(today: date, days: int = 10) -> date:
    day = today + timedelta(days=days)
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def _iris_with_two_visits(live_server) -> tuple[int, list[int], date]:
    """Iris (a nurse of her own, so no demo visit is in her way) with two one-day orders on a
    weekday ten days ahead; two free colleagues of hers."""
    from scheduler.clinical import load_catalog
    from scheduler.models import User
    from scheduler.operations.visits import book_series
    from tests.factories import make_nurse, make_order, make_patient, make_product

    now = datetime.now(timezone.utc)
    day = _weekday_ahead(now.astimezone(CHICAGO).date())
    with Session(live_server.engine()) as session:
        coordinator = session.scalar(select(User).where(User.email == "coordinator@demo.example"))
        iris = make_nurse(session, first_name="Iris", last_name="Journey", home_lat=41.90, home_lon=-87.65)
        make_nurse(session, first_name="Bea", last_name="Journey", home_lat=41.92, home_lon=-87.66)
        make_nurse(session, first_name="Cy", last_name="Journey", home_lat=41.86, home_lon=-87.64)
        product = make_product(session)
        ids = []
        for hour, name in ((8, "Quinn"), (14, "Rhodes")):
            patient = make_patient(session, first_name="Sam", last_name=name, weight_kg=55, lat=41.91, lon=-87.65)
            order = make_order(session, patient=patient, product=product, days=1, earliest_start=day, window_days=0)
            visits = book_series(session, order.id, iris.id, datetime.combine(day, time(hour), tzinfo=CHICAGO),
                                 load_catalog(), actor=coordinator, now=now)
            ids += [v.id for v in visits]
        session.commit()
        return iris.id, ids, day


def test_sick_call_absence_proposal_apply_calendar(browser, live_server):
    iris_id, visit_ids, day = _iris_with_two_visits(live_server)
    context, page = new_page(browser, live_server)
    log_in(page, "coordinator@demo.example")

    # From the calendar: record Iris's sick day.
    page.get_by_role("link", name="Calendar").click()
    page.get_by_role("link", name="Record an absence (sick call)").click()
    page.get_by_label("Nurse").select_option(label="Iris Journey")
    page.get_by_label("Kind").select_option("sick")
    page.get_by_label("Absent from").fill(f"{day.isoformat()}T00:00")
    page.get_by_label("Absent until").fill(f"{(day + timedelta(days=1)).isoformat()}T00:00")
    page.get_by_label("Note").fill("called in at 6")
    page.get_by_role("button", name="Record absence").click()

    # Straight to the proposal: both visits, each to another nurse the same day.
    assert "2 of her visits fall inside it" in page.locator(".flash").first.inner_text()
    assert page.get_by_role("heading", name="Re-plan for Iris Journey").is_visible()
    rows = page.locator("section table tbody tr")
    assert rows.count() == 2 and "Quinn" in rows.nth(0).inner_text() + rows.nth(1).inner_text()
    assert page.get_by_role("heading", name="Their days with these moves").is_visible()
    screenshot(page, "replan-proposal-desktop")

    replan_url = page.url
    page.get_by_role("button", name="Apply all rows").click()
    assert "Applied" in page.locator(".flash").first.inner_text()
    with live_server.engine().connect() as conn:
        moved = conn.execute(select(Visit.id, Visit.nurse_id, Visit.starts_at).where(Visit.id.in_(visit_ids))).all()
    assert all(v.nurse_id != iris_id for v in moved)
    assert all(v.starts_at.astimezone(CHICAGO).date() == day for v in moved)

    # The calendar of that week shows each visit in its new nurse's row, none in Iris's.
    page.get_by_role("link", name="The calendar for that week").click()
    assert page.get_by_role("heading", name=re.compile("^Week of")).is_visible()
    iris_row = page.locator("table.calendar tbody tr", has=page.get_by_role("rowheader", name="Iris Journey"))
    for visit in moved:
        assert page.locator(f'a[href="/visits/{visit.id}"]').is_visible()
        assert iris_row.locator(f'a[href="/visits/{visit.id}"]').count() == 0
    screenshot(page, "replan-calendar-after-desktop")
    context.close()

    # The new pages pass the same accessibility check as the main pages (axe needs the CSP bypassed).
    context, page = new_page(browser, live_server, bypass_csp=True)
    log_in(page, "coordinator@demo.example")
    for url in (replan_url, f"/nurses/{iris_id}/route?date={day.isoformat()}", "/absences/new"):
        page.goto(url)
        assert axe_violations(page) == [], url
    context.close()
