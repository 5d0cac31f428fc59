"""A draw reminder goes out a set lead before the draw window opens, never after it opened:
at the clock changes and late in the evening (where the UTC date is already tomorrow).

Every instant is chosen here: operations get `now=`, the worker's decision gets the sweep's
instant; nothing reads the wall clock.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from scheduler.models import LabDraw, Reminder
from scheduler.notify.messages import DrawFacts, MessageFacts, email_message
from scheduler.operations.visits import visit_changed
from scheduler.reminders import outbox, timing
from tests.factories import make_order, make_visit
from tests.reliability.reminder_rig import reminder_patient

CHICAGO = ZoneInfo("America/Chicago")
UTC = timezone.utc
DEFAULT_QUIET = (time(21), time(8))
NO_QUIET = (time(0), time(0))


def local(*args) -> datetime:
    return datetime(*args, tzinfo=CHICAGO)


def naive_local(moment: datetime) -> datetime:
    return moment.astimezone(CHICAGO).replace(tzinfo=None)


def test_spring_forward_morning_the_lead_is_three_real_hours_before_the_window_opens():
    # Chicago skips 02:00-03:00 on Sunday 14 March 2027. A draw due 06:00 CDT opens at 04:00 CDT;
    # "3 hours before" on the wall clock (01:00 CST) would be only 2 real hours.
    due = local(2027, 3, 14, 6, 0)
    opens, closes = timing.draw_window(due, CHICAGO)
    assert naive_local(opens) == datetime(2027, 3, 14, 4, 0) and naive_local(closes) == datetime(2027, 3, 14, 8, 0)
    planned = timing.lab_reminder(due, CHICAGO, NO_QUIET)
    assert opens - planned.due_at == timedelta(hours=3)
    assert naive_local(planned.due_at) == datetime(2027, 3, 14, 0, 0)  # midnight CST
    assert planned.expires_at == opens


def test_spring_forward_with_quiet_hours_the_reminder_goes_the_evening_before():
    opens, _ = timing.draw_window(local(2027, 3, 14, 9, 0), CHICAGO)
    planned = timing.lab_reminder(local(2027, 3, 14, 9, 0), CHICAGO, DEFAULT_QUIET)
    assert naive_local(opens) == datetime(2027, 3, 14, 7, 0)
    assert naive_local(planned.due_at) == datetime(2027, 3, 13, 20, 30)  # before the 21:00 quiet hours, CST
    assert planned.due_at.utcoffset() == timedelta(0)


def test_fall_back_night_the_reminder_still_comes_before_the_window():
    # 1 November 2026: 01:00-02:00 happens twice in Chicago. A draw due 03:00 CST.
    due = local(2026, 11, 1, 3, 0)
    opens, closes = timing.draw_window(due, CHICAGO)
    assert opens <= due.astimezone(UTC) <= closes
    for quiet in (NO_QUIET, DEFAULT_QUIET):
        planned = timing.lab_reminder(due, CHICAGO, quiet)
        assert planned.due_at <= opens - timing.LAB_LEAD and planned.expires_at == opens
    assert naive_local(timing.lab_reminder(due, CHICAGO, DEFAULT_QUIET).due_at) == datetime(2026, 10, 31, 20, 30)


@pytest.fixture
def draw_reminder(session):
    """A completed one-day course whose +24 h draw falls on Wednesday 25 November."""

    def make(ended_local: datetime, quiet=DEFAULT_QUIET):
        patient = reminder_patient(session, channel="email", now=datetime(2026, 11, 20, tzinfo=UTC),
                                   quiet_start=quiet[0], quiet_end=quiet[1])
        order = make_order(session, patient=patient, days=1, lab_follow_up_hours=[24])
        visit = make_visit(session, order=order, starts_at=(ended_local - timedelta(hours=5)).astimezone(UTC))
        visit.status = "completed"
        session.flush()
        visit_changed(session, visit, "completed", now=ended_local.astimezone(UTC))
        [draw] = session.scalars(select(LabDraw).where(LabDraw.patient_id == patient.id)).all()
        [row] = session.scalars(select(Reminder).where(Reminder.lab_draw_id == draw.id)).all()
        return draw, row

    return make


def decision_at(session, row, moment: datetime):
    [decision] = outbox.decide(session, [row.id], now=moment.astimezone(UTC))
    return decision


def test_late_evening_the_worker_waits_for_quiet_hours_to_end_when_the_window_opens_after(session, draw_reminder):
    # Infusion ended Tuesday 11:00: the draw is due Wednesday 11:00, window 09:00-13:00.
    draw, row = draw_reminder(local(2026, 11, 24, 11, 0))
    assert naive_local(row.due_at) == datetime(2026, 11, 24, 20, 30)  # 06:00 is in quiet hours: the evening before
    # The worker was down and looks at 22:45 CST, already Wednesday in UTC.
    late = local(2026, 11, 24, 22, 45)
    assert late.astimezone(UTC).date() > late.date()
    decision = decision_at(session, row, late)
    assert decision.action == "defer" and naive_local(decision.until) == datetime(2026, 11, 25, 8, 0)
    sent = decision_at(session, row, local(2026, 11, 25, 8, 0))
    assert sent.action == "send"
    text = email_message(sent.facts, stamp=local(2026, 11, 25, 8, 0)).text
    assert "Wednesday 25 November, between 09:00 and 13:00 (CST)" in text  # the local date, not UTC's


def test_never_sent_once_the_window_has_opened(session, draw_reminder):
    # Ended Tuesday 09:30: draw due Wednesday 09:30, window opens 07:30, inside quiet hours' end.
    draw, row = draw_reminder(local(2026, 11, 24, 9, 30))
    opens, _ = timing.draw_window(draw.due_at, CHICAGO)
    assert naive_local(opens) == datetime(2026, 11, 25, 7, 30) and row.expires_at == opens
    # Found at 22:45 the evening before: quiet hours last until 08:00, after the window opened.
    assert decision_at(session, row, local(2026, 11, 24, 22, 45)).action == "expire"
    assert decision_at(session, row, opens + timedelta(minutes=1)).action == "expire"


def test_a_draw_created_late_in_the_evening_is_dated_in_the_patients_zone(session, draw_reminder):
    # The visit ran late: ended Tuesday 22:30 CST (04:30 UTC Wednesday). Draw Wednesday 22:30.
    draw, row = draw_reminder(local(2026, 11, 24, 22, 30), quiet=NO_QUIET)
    opens, closes = timing.draw_window(draw.due_at, CHICAGO)
    assert (naive_local(opens), naive_local(closes)) == (datetime(2026, 11, 25, 20, 30), datetime(2026, 11, 26, 0, 30))
    assert naive_local(row.due_at) == datetime(2026, 11, 25, 17, 30)
    facts = MessageFacts(kind="lab_draw", zone="America/Chicago", patient_first_name="Pat", agency_name="Agency",
                         agency_phone="+13125550100", draw=DrawFacts(draw.id, opens, closes, "platelet_count", "lab"))
    message = email_message(facts, stamp=row.due_at)
    assert message.subject == "Reminder: blood test (platelet count), Wednesday 25 November"
    assert "between 20:30 and 00:30 (CST)" in message.text
