"""The patient's journey on a phone (390 x 844), in Chromium against the real server and
reminder worker: his visits and blood tests, a reminder email with its calendar file,
"Blood drawn" confirmed and undone, the platelet chart readable, his quiet hours, and a
calendar link that works until he turns it off.

The server process reads the real clock, so the data is placed relative to the moment
the test starts (as the other journeys do); what is asserted does not depend on the hour.
"""

from __future__ import annotations

import time as clock
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.models import LabDraw, LabResult, Patient, Reminder, User, Visit
from tests.e2e.conftest import PHONE, log_in, new_page, screenshot

pytestmark = pytest.mark.e2e

MARIA = "maria.lopez@demo.example"


def _maria_with_a_draw_due_now(live_server):
    """Maria (demo patient with a login): an earlier course with a platelet result, and a
    course that ended 22.5 hours ago, so the first +24 h draw's window is open now. The next
    draw's reminder is made due now, standing in for a day of waiting."""
    from scheduler.operations.labs import create_follow_up, record_result
    from tests.factories import make_order, make_product, make_user

    now = datetime.now(timezone.utc)
    with Session(live_server.engine()) as session:
        maria = session.scalar(select(Patient).join(User, User.id == Patient.user_id).where(User.email == MARIA))
        # The demo gives her a finished course with draws ahead (so her portal shows something);
        # this journey counts and confirms its own draws, so the demo's go.
        demo_draws = select(LabDraw.id).where(LabDraw.patient_id == maria.id).scalar_subquery()
        session.execute(delete(Reminder).where(Reminder.lab_draw_id.in_(demo_draws)))
        session.execute(delete(LabResult).where(LabResult.lab_draw_id.in_(demo_draws)))
        session.execute(delete(LabDraw).where(LabDraw.patient_id == maria.id))
        # Her quiet hours away from this moment, whatever hour CI runs at.
        local_now = now.astimezone(ZoneInfo(maria.timezone))
        maria.quiet_start = (local_now + timedelta(hours=6)).time().replace(second=0, microsecond=0)
        maria.quiet_end = (local_now + timedelta(hours=7)).time().replace(second=0, microsecond=0)
        nurse_id = session.scalar(select(Visit.nurse_id).where(Visit.patient_id == maria.id).limit(1))
        staff = make_user(session, role="coordinator")

        def course(ended: datetime, hours: list[int]):
            """A completed one-day course ending at `ended`, or some hours earlier where the
            demo week already has a visit of hers or the nurse's (the overlap backstop)."""
            for earlier_h in range(0, 72, 2):
                try:
                    with session.begin_nested():
                        end = ended - timedelta(hours=earlier_h)
                        order = make_order(session, patient=maria, product=make_product(session), days=1,
                                           earliest_start=end.date(), lab_follow_up_hours=hours)
                        visit = Visit(order_id=order.id, patient_id=maria.id, nurse_id=nurse_id, day_number=1,
                                      status="completed", starts_at=end - timedelta(hours=1), ends_at=end,
                                      catalog_version="journey", plan={})
                        session.add(visit)
                        session.flush()
                        return sorted(create_follow_up(session, visit, now=now), key=lambda d: d.due_at)
                except IntegrityError:
                    continue
            raise AssertionError("no free hour for the journey's course")

        [earlier] = course(now - timedelta(days=30), [24])
        record_result(session, earlier.id, 41, actor=staff, now=earlier.due_at + timedelta(hours=2))
        draws = course(now - timedelta(hours=22, minutes=30), [24, 48])
        session.execute(update(Reminder).where(Reminder.lab_draw_id == draws[1].id)
                        .values(due_at=now, next_attempt_at=now))
        session.commit()
        return maria.id, [d.id for d in draws]


def _wait_for_email(live_server, rcpt: str, timeout_s: float = 60):
    deadline = clock.monotonic() + timeout_s
    while True:
        found = [m for m in live_server.mailbox.messages if rcpt in m.rcpt_tos]
        if found:
            return message_from_bytes(found[-1].content, policy=policy.default)
        assert clock.monotonic() < deadline, f"no email to {rcpt} reached the SMTP server in {timeout_s} s"
        clock.sleep(0.5)


def test_patient_portal_journey_on_a_phone(browser, live_server):
    patient_id, (due_now, tomorrow) = _maria_with_a_draw_due_now(live_server)
    context, page = new_page(browser, live_server, viewport=PHONE)
    log_in(page, MARIA)
    page.goto("/portal/")
    for heading in ("Upcoming visits", "Blood tests", "My platelet counts", "Past visits", "Reminders we sent you"):
        assert page.get_by_role("heading", name=heading).is_visible()
    tests = page.locator("#blood-tests")
    assert tests.get_by_text("Platelet count").count() == 2 and "at a lab (you go there)" in tests.inner_text()
    assert "(CST)" in tests.inner_text() or "(CDT)" in tests.inner_text()
    # Only the draw whose window is open offers "Blood drawn".
    assert page.get_by_role("link", name="Blood drawn…").count() == 1

    # The chart: labelled, and no text under 12 px as drawn on this screen.
    chart = page.locator("figure.platelet-chart svg")
    assert chart.is_visible()
    smallest = chart.evaluate("svg => Math.min(...[...svg.querySelectorAll('text')].map("
                              "t => parseFloat(getComputedStyle(t).fontSize) * svg.getScreenCTM().a))")
    assert smallest >= 12
    assert page.get_by_text("Dashed line at 30:").is_visible() and page.get_by_text("Dashed line at 50:").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing runs off the phone
    screenshot(page, "patient-portal-phone")

    # The worker (a real process) sends tomorrow's draw reminder: text, HTML and a calendar file.
    email = _wait_for_email(live_server, MARIA)
    kinds = {part.get_content_type() for part in email.walk()}
    assert {"text/plain", "text/html", "text/calendar"} <= kinds
    ics = next(p for p in email.walk() if p.get_content_type() == "text/calendar").get_payload(decode=True)
    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["UID"]).startswith(f"draw-{tomorrow}@") and "platelet count" in str(event["SUMMARY"])
    assert "platelet count" in email.get_body(("plain",)).get_content()

    # "Blood drawn": a confirmation page, then an undo the same day.
    page.get_by_role("link", name="Blood drawn…").click()
    assert page.get_by_role("heading", name="Was your blood drawn?").is_visible()
    page.get_by_role("button", name="Yes, my blood was drawn").click()
    page.wait_for_load_state()
    assert page.get_by_text("You can undo it today").is_visible()
    assert page.get_by_role("link", name="Blood drawn…").count() == 0
    page.get_by_role("button", name="Undo: my blood was not drawn").click()
    page.wait_for_load_state()
    assert page.get_by_text("marked as not drawn yet").is_visible()
    page.get_by_role("link", name="Blood drawn…").click()
    page.get_by_role("button", name="Yes, my blood was drawn").click()
    page.wait_for_load_state()

    page.reload()
    sent = page.locator("section", has=page.get_by_role("heading", name="Reminders we sent you")).inner_text()
    assert "Blood test (" in sent and "by email" in sent  # the reminder, now listed as sent

    page.get_by_label("No messages from").fill("22:00")
    page.get_by_label("until", exact=True).fill("07:30")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()

    # A calendar link of his own: it serves his calendar until he turns it off.
    page.get_by_role("link", name="Calendar link").click()
    page.get_by_role("button", name="Create my calendar link").click()
    url = page.get_by_role("textbox", name="Calendar address").input_value()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    feed = page.request.get(url)
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    summaries = {str(e["SUMMARY"]) for e in Calendar.from_ical(feed.body()).walk("VEVENT")}
    assert "Blood test (platelet count) at the lab" in summaries
    page.get_by_role("button", name="Turn off my calendar link").click()
    page.wait_for_load_state()
    assert page.request.get(url).status == 404

    with live_server.engine().connect() as conn:
        quiet = conn.execute(select(Patient.quiet_start, Patient.quiet_end).where(Patient.id == patient_id)).one()
        statuses = dict(conn.execute(select(LabDraw.id, LabDraw.status).where(LabDraw.id.in_([due_now, tomorrow]))).all())
    assert (quiet.quiet_start.strftime("%H:%M"), quiet.quiet_end.strftime("%H:%M")) == ("22:00", "07:30")
    assert statuses == {due_now: "done", tomorrow: "scheduled"}
    context.close()
