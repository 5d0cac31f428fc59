"""The visit page as the nurse reads it on her phone: "now" only while the infusion runs,
the step timer with the next change on the clock and a countdown, the ramp as stacked rows,
and a chart whose labels stay legible at 360 px."""

from __future__ import annotations

import re
from datetime import timedelta

from scheduler.web.charts.infusion import FONT_PX, NARROWEST_BOX_PX, WIDTH
from tests.web import test_rounds_pages
from tests.web.test_rounds_pages import CHICAGO, local, post

nurse_visit = test_rounds_pages.nurse_visit  # the same nurse, visit and stock as the other rounds pages


def page_of(client, visit) -> str:
    response = client.get(f"/rounds/visits/{visit.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_now_is_marked_only_between_the_recorded_start_and_end(nurse_visit):
    client, visit, now = nurse_visit
    before = page_of(client, visit)
    # The planned start (visit start + 30 min) has passed, but nothing is recorded: no step is "now".
    assert "◀ now" not in before and 'aria-current="step"' not in before and 'class="now"' not in before
    assert "not started yet" in before

    assert post(client, visit, "start", at=local(now - timedelta(minutes=10))).status_code == 302
    running = page_of(client, visit)
    assert running.count("◀ now") == 1 and 'class="now"' in running  # one ramp row, and the chart's line

    ended = post(client, visit, "end", at=local(now), total_volume_ml="8", reason="Stopped early: chills")
    assert ended.status_code == 302, re.findall(r'class="errors[^"]*"[^>]*>\s*<li>([^<]+)', ended.get_data(as_text=True))
    ended = page_of(client, visit)
    assert "◀ now" not in ended and 'class="now"' not in ended
    assert f"infusion ended at {now.astimezone(CHICAGO):%H:%M %Z}" in ended


def test_step_timer_shows_the_next_change_on_the_clock_and_a_countdown(nurse_visit):
    client, visit, now = nurse_visit
    # Started 10 minutes ago at the first step (48 mL/hr for 30 min): next 96 mL/hr in 20 min.
    assert post(client, visit, "start", at=local(now - timedelta(minutes=10))).status_code == 302
    page = page_of(client, visit)
    next_at = (now + timedelta(minutes=20)).astimezone(CHICAGO)
    timer = page[page.index('id="timer"'):page.index('class="chart"')]
    assert "pump at <strong class=\"big\">48 mL/hr</strong>" in timer
    assert "96 mL/hr" in timer and "next change at" in timer and f"{next_at:%H:%M %Z}" in timer
    assert re.search(r'role="timer" data-until="[^"]+" data-now="[^"]+">\(in (19|20) min\)', timer), timer


def test_a_step_up_not_made_on_time_shows_as_due_now(nurse_visit):
    client, visit, now = nurse_visit
    assert post(client, visit, "start", at=local(now - timedelta(minutes=35))).status_code == 302
    timer = page_of(client, visit).split('id="timer"')[1]
    assert "(due now)" in timer


def test_paused_infusion_shows_the_resume_rate_instead_of_a_countdown(nurse_visit):
    client, visit, now = nurse_visit
    assert post(client, visit, "start", at=local(now - timedelta(minutes=10))).status_code == 302
    assert post(client, visit, "rate", kind="pause", at=local(now - timedelta(minutes=2)), reason="chills").status_code == 302
    timer = page_of(client, visit).split('id="timer"')[1].split("</div>")[0]
    assert "paused." in timer and "Resume at 48 mL/hr" in timer and 'role="timer"' not in timer


def test_the_ramp_is_stacked_rows_with_clock_time_and_rate_first(nurse_visit):
    client, visit, now = nurse_visit
    page = page_of(client, visit)
    assert '<table class="ramp">' not in page
    rows = re.findall(r'<span class="when">([^<]+)</span>\s*<span class="rate">([^<]+)</span>', page)
    assert [rate for _, rate in rows] == ["48 mL/hr", "96 mL/hr", "158 mL/hr"]
    assert all(re.fullmatch(r"\d\d:\d\d–\d\d:\d\d", when) for when, _ in rows)


def test_chart_labels_are_at_least_12_px_on_a_360_px_phone():
    assert FONT_PX * NARROWEST_BOX_PX / WIDTH >= 12


def test_each_documentation_form_is_its_own_section_with_its_own_button(nurse_visit):
    client, visit, now = nurse_visit
    assert post(client, visit, "start", at=local(now - timedelta(minutes=10))).status_code == 302
    page = page_of(client, visit)
    sections = re.findall(r'<section class="doc-step card"(.*?)</section>', page, re.S)
    assert len(sections) >= 5
    assert all(s.count("<form") == 1 and s.count('type="submit"') == 1 for s in sections)
