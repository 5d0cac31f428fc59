"""The nurse's pages on a 360 x 780 phone: nothing wider than the screen, tap targets of at
least 44 px, chart labels of at least 12 px, and the step timer counting down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from scheduler.models import Visit

from tests.e2e.conftest import SCREENSHOTS, axe_violations, log_in, new_page, submit_form
from tests.e2e.test_journeys import _nurse_with_a_visit_running_now

pytestmark = pytest.mark.e2e

SMALL_PHONE = {"width": 360, "height": 780}
PASSWORD = "phone nurse password"

# Everything on the page that is wider than the screen or scrolls sideways inside itself
# (a cut-off table in an overflow box is as bad as a page that scrolls).
TOO_WIDE = """() => {
  const width = window.innerWidth, found = [];
  if (document.documentElement.scrollWidth > width) found.push('page ' + document.documentElement.scrollWidth);
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || getComputedStyle(el).visibility === 'hidden') continue;  // unseen or visually hidden
    const name = el.tagName + (el.id ? '#' + el.id : '') + (el.className && el.className.baseVal === undefined ? '.' + el.className : '');
    if (box.right > width + 1) found.push(name + ' right=' + Math.round(box.right) + ' in ' + (el.closest('table') || {}).className + ' ' + el.textContent.trim().slice(0, 20));
    const overflow = getComputedStyle(el).overflowX;
    if (overflow !== 'visible' && el.scrollWidth > el.clientWidth + 1) found.push(name + ' scrolls ' + el.scrollWidth);
  }
  return found;
}"""

SMALL_TARGETS = """() => {
  const found = [];
  const targets = document.querySelectorAll('button, input:not([type=hidden]), select, textarea, nav a, .site-header a, a.button');
  for (const el of targets) {
    const box = el.getBoundingClientRect();
    if (!box.width) continue;  // not shown (print-only, collapsed)
    if (box.height < 44 || (el.tagName === 'BUTTON' && box.width < 44))
      found.push(el.tagName + ' ' + (el.name || el.id || el.textContent.trim()).slice(0, 30) + ' ' + Math.round(box.width) + 'x' + Math.round(box.height));
  }
  return found;
}"""

KEPT_BYTES = """async () => {
  const out = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    let bytes = 0;
    const requests = await cache.keys();
    for (const request of requests) bytes += (await (await cache.match(request)).arrayBuffer()).byteLength;
    out[name] = {entries: requests.length, bytes};
  }
  return out;
}"""

CHART_LABEL_PX = """() => Array.from(document.querySelectorAll('svg.ramp-chart text')).map(
  t => parseFloat(t.getAttribute('font-size')) * t.ownerSVGElement.getScreenCTM().a)"""


def nurse_on_her_visit(browser, live_server, email: str, **context_options):
    """A nurse of her own, logged in on a 360 px phone, on her visit that began 90 minutes
    ago; `at(minutes)` is a time on that visit's clock, as the form wants it."""
    visit_id, started, _plan, _lot = _nurse_with_a_visit_running_now(live_server, email, PASSWORD)
    context, page = new_page(browser, live_server, viewport=SMALL_PHONE, **context_options)
    log_in(page, email, PASSWORD)
    page.goto(f"/rounds/visits/{visit_id}")
    return context, page, visit_id, lambda minutes: (started + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def phone_shot(page, name: str, anchor: str | None = None) -> None:
    """What the nurse sees on the screen (not the whole page), from the anchor down."""
    if anchor:
        page.locator(anchor).first.scroll_into_view_if_needed()
        page.evaluate(f"document.querySelector('{anchor}').scrollIntoView(); window.scrollBy(0, -100)")  # the banner
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def check_fits(page, what: str, problems: dict) -> None:
    page.wait_for_load_state()
    for kind, script in (("too wide", TOO_WIDE), ("small target", SMALL_TARGETS)):
        found = page.evaluate(script)
        if found:
            problems[f"{what}: {kind}"] = found[:8]


def test_no_nurse_page_is_wider_than_a_360_px_phone(browser, live_server):
    context, page, visit_id, at = nurse_on_her_visit(browser, live_server, "phone.nurse@example.org")
    problems: dict = {}
    page.goto("/rounds/")
    check_fits(page, "day", problems)
    phone_shot(page, "nurse-day-360")
    page.goto("/rounds/supplies")
    check_fits(page, "supply list", problems)
    page.goto(f"/rounds/visits/{visit_id}")
    check_fits(page, "visit before the start", problems)

    submit_form(page, "vitals", {"Moment": "baseline", "Taken at": at(0), "Systolic BP (mmHg)": "118",
                            "Diastolic BP (mmHg)": "76", "Pulse (/min)": "72", "Respiratory rate (/min)": "16",
                            "SpO2 (%)": "98"}, "Save vital signs")
    submit_form(page, "start", {"Infusion started at": at(80)}, "Start")
    submit_form(page, "rate", {"Change": "pause", "At": at(84), "Why (required to slow down, pause or step up early)": "Headache and "
                          "flushing, a long sentence that must wrap rather than widen the page"}, "Save rate change")
    submit_form(page, "rate", {"Change": "resume", "At": at(86), "New rate (mL/hr; empty for a pause)": "30"},
           "Save rate change")
    check_fits(page, "visit while running", problems)
    labels = page.evaluate(CHART_LABEL_PX)
    assert labels and min(labels) >= 12, labels
    assert page.locator("[aria-current=step]").count() == 1
    countdown = page.locator(".countdown")
    if countdown.count():  # a timer while the plan has a next step
        first = countdown.inner_text()
        page.wait_for_timeout(1500)
        assert countdown.inner_text() != first or "min)" in first  # ticks by the second in the last 10 min
    phone_shot(page, "nurse-visit-ramp-360", "#ramp")
    phone_shot(page, "nurse-visit-timer-360", "#timer")

    # A tap lands on what it aims at: the Start/End buttons are full-width and 44 px high.
    end = page.locator("form#end").get_by_role("button", name="End")
    box = end.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 280
    page.locator("#end-reason").fill("Stopped early: chills")  # below 90 % of the planned volume
    submit_form(page, "end", {"Infusion ended at": at(88), "Volume infused (mL, from the pump)": "5"}, "End")
    check_fits(page, "visit after the end", problems)
    page.goto(f"/rounds/visits/{visit_id}/print")
    check_fits(page, "paper sheet", problems)
    phone_shot(page, "nurse-paper-sheet-360")
    assert page.locator("[aria-current=step]").count() == 0
    assert problems == {}
    context.close()


def test_an_entry_survives_a_reload_and_an_idle_logout(browser, live_server):
    from sqlalchemy import select

    from scheduler.models import VitalSigns

    context, page, visit_id, at = nurse_on_her_visit(browser, live_server, "idle.nurse@example.org")
    form = page.locator("form#vitals")
    form.get_by_label("Taken at", exact=True).fill(at(85))
    form.get_by_label("Pulse (/min)", exact=True).fill("83")

    page.reload()  # or the phone closed the tab: the draft comes back
    # The offline worker refreshes this page in the background on each load (and with it the
    # session cookie): let it finish before the "idle" below, or it would revive the session.
    page.wait_for_function("() => document.documentElement.dataset.keptPages")
    assert form.get_by_label("Pulse (/min)", exact=True).input_value() == "83"
    assert "Not saved yet" in form.inner_text()

    # Idle past the limit: the server no longer honours the session (an expired signed cookie
    # is refused exactly like a missing one; tests/web/test_rounds_idle.py lets it expire).
    context.clear_cookies()
    form.get_by_role("button", name="Save vital signs").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Your session ended; your entry is kept").is_visible()
    assert "83" in page.locator(".kept-entry").inner_text()
    problems: dict = {}
    check_fits(page, "password again", problems)
    assert problems == {}
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in and save").click()
    page.wait_for_load_state()
    assert any("Vital signs recorded" in text for text in page.locator(".flash").all_inner_texts())
    with live_server.engine().connect() as conn:
        pulses = conn.scalars(select(VitalSigns.pulse_bpm).where(VitalSigns.visit_id == visit_id)).all()
    assert pulses == [83]
    drafts = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('rounds-draft:'))")
    assert drafts == []
    context.close()


def test_nurse_pages_have_no_serious_accessibility_violations_at_360_px(browser, live_server):
    context, page, visit_id, at = nurse_on_her_visit(browser, live_server, "axe.nurse@example.org", bypass_csp=True)
    submit_form(page, "start", {"Infusion started at": at(80)}, "Start")
    found = {}
    for path in ("/rounds/", "/rounds/supplies", f"/rounds/visits/{visit_id}", f"/rounds/visits/{visit_id}/print"):
        page.goto(path)
        found[path] = axe_violations(page)
    page.goto(f"/rounds/visits/{visit_id}")
    page.wait_for_function("() => document.documentElement.dataset.keptPages")
    context.clear_cookies()  # the session is gone: the page asking for the password again
    page.locator("form#vitals").get_by_label("Pulse (/min)", exact=True).fill("80")
    page.locator("form#vitals").get_by_role("button", name="Save vital signs").click()
    page.wait_for_load_state()
    found["password again"] = axe_violations(page)
    assert {path: v for path, v in found.items() if v} == {}
    context.close()


def test_offline_the_day_and_visit_open_and_entries_arrive_exactly_once_when_back_online(browser, live_server):
    from sqlalchemy import select

    from scheduler.models import RateChange, VitalSigns

    context, page, visit_id, at = nurse_on_her_visit(browser, live_server, "offline.nurse@example.org")
    page.goto("/rounds/")  # opening the day keeps it and its visits on the phone
    page.wait_for_function("() => Number(document.documentElement.dataset.keptPages) >= 2")
    print("\n[offline] kept on the phone:", page.evaluate(KEPT_BYTES))

    context.set_offline(True)
    page.reload()
    assert "Visits" in page.title() and page.locator(f'a[href="/rounds/visits/{visit_id}"]').count()
    assert "Offline" in page.locator("#offline-banner").inner_text()
    page.goto(f"/rounds/visits/{visit_id}")
    assert page.get_by_role("heading", name="Ramp", exact=True).is_visible()
    assert page.locator("form#rate").is_hidden()  # not started yet, as far as this page knows
    start = page.locator("form#start")
    start.get_by_label("Infusion started at", exact=True).fill(at(80))
    start.get_by_role("button", name="Start").click()
    page.wait_for_function("() => document.getElementById('offline-banner').textContent.includes('1 entry waiting')")
    assert start.is_hidden() and page.locator("form#rate").is_visible()  # the next steps, on the phone
    vitals = page.locator("form#vitals")
    vitals.get_by_label("Moment", exact=True).select_option("during")
    vitals.get_by_label("Taken at", exact=True).fill(at(85))
    vitals.get_by_label("Pulse (/min)", exact=True).fill("91")
    vitals.get_by_role("button", name="Save vital signs").click()
    page.wait_for_function("() => document.getElementById('offline-banner').textContent.includes('2 entries waiting')")
    rate = page.locator("form#rate")
    rate.get_by_label("Change", exact=True).select_option("pause")
    rate.get_by_label("At", exact=True).fill(at(86))
    rate.get_by_label("Why (required to slow down, pause or step up early)", exact=True).fill("Chills")
    rate.get_by_role("button", name="Save rate change").click()
    page.wait_for_function("() => document.getElementById('offline-banner').textContent.includes('3 entries waiting')")
    page.reload()  # still offline: the page comes from the phone, the entries from IndexedDB
    expect(page.locator("#pending-entries li")).to_have_count(3)  # drawn from IndexedDB after the load
    phone_shot(page, "nurse-offline-waiting-360", "#pending-entries")
    with live_server.engine().connect() as conn:
        assert conn.scalar(select(VitalSigns.id).where(VitalSigns.visit_id == visit_id)) is None

    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('offline-banner').textContent.includes('All entries sent (3)')")
    with live_server.engine().connect() as conn:
        pulses = conn.scalars(select(VitalSigns.pulse_bpm).where(VitalSigns.visit_id == visit_id)).all()
        kinds = conn.scalars(select(RateChange.kind).where(RateChange.visit_id == visit_id).order_by(RateChange.at)).all()
    assert pulses == [91] and kinds == ["start", "pause"]

    # Logging out removes the pages and entries from the phone.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    left = page.evaluate("""async () => ({
        caches: (await caches.keys()).filter(n => n.startsWith('rounds-pages-')),
        drafts: Object.keys(localStorage).filter(k => k.startsWith('rounds-draft:'))})""")
    assert left == {"caches": [], "drafts": []}
    context.close()


def test_an_offline_entry_for_a_visit_cancelled_meanwhile_is_kept_and_shown(browser, live_server):
    from sqlalchemy import update

    from scheduler.models import VitalSigns

    context, page, visit_id, at = nurse_on_her_visit(browser, live_server, "conflict.nurse@example.org")
    page.goto("/rounds/")
    page.wait_for_function("() => Number(document.documentElement.dataset.keptPages) >= 2")
    context.set_offline(True)
    page.goto(f"/rounds/visits/{visit_id}")
    vitals = page.locator("form#vitals")
    vitals.get_by_label("Taken at", exact=True).fill(at(85))
    vitals.get_by_label("Pulse (/min)", exact=True).fill("77")
    vitals.get_by_role("button", name="Save vital signs").click()
    page.wait_for_function("() => document.getElementById('offline-banner').textContent.includes('1 entry waiting')")
    with live_server.engine().begin() as conn:  # the coordinator cancels the visit meanwhile
        conn.execute(update(Visit).where(Visit.id == visit_id).values(status="cancelled", cancel_reason="patient in hospital"))

    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('offline-banner').textContent.includes('not accepted')")
    conflict = page.locator("#pending-entries li.conflict")
    assert conflict.count() == 1 and "Pulse (/min): 77" in conflict.inner_text()
    assert "no longer on your list" in conflict.inner_text()
    page.goto("/rounds/")  # still on the phone, on the day list too
    expect(page.locator("#pending-entries li.conflict")).to_have_count(1)
    with live_server.engine().connect() as conn:
        assert conn.scalar(select(VitalSigns.id).where(VitalSigns.visit_id == visit_id)) is None
    context.close()
