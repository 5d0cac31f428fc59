"""When reminders go out: local-time rules, quiet hours and daylight-saving changes (REM-08)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.reminders import timing

NEW_YORK = ZoneInfo("America/New_York")
ZONES = st.sampled_from([NEW_YORK, ZoneInfo("America/Chicago"), ZoneInfo("America/Phoenix"),
                         ZoneInfo("Europe/London"), ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Pacific/Honolulu")])
# Around the 2027 US and EU changes, where the bugs live, and a year either side.
MOMENTS = st.one_of(
    st.datetimes(min_value=datetime(2027, 3, 10), max_value=datetime(2027, 3, 16), timezones=st.just(timezone.utc)),
    st.datetimes(min_value=datetime(2027, 10, 28), max_value=datetime(2027, 11, 9), timezones=st.just(timezone.utc)),
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(timezone.utc)),
)
QUARTERS = st.integers(0, 95).map(lambda q: time(q // 4, 15 * (q % 4)))
QUIET = st.one_of(st.just(timing.DEFAULT_QUIET), st.tuples(QUARTERS, QUARTERS))


@settings(max_examples=300)
@given(moment=MOMENTS, zone=ZONES, quiet=QUIET)
def test_a_reminder_moved_out_of_quiet_hours_goes_earlier_and_outside_them(moment, zone, quiet):
    moved = timing.before_quiet_hours(moment, zone, quiet)
    assert moved <= moment
    assert moment - moved < timedelta(days=1)
    if quiet[0] != quiet[1] and not _quiet_covers_almost_all_day(quiet):
        assert not timing.in_quiet_hours(moved, zone, quiet)


def _quiet_covers_almost_all_day(quiet) -> bool:
    start, end = (t.hour * 60 + t.minute for t in quiet)
    return (end - start) % (24 * 60) < 2 * 30  # less than two margins of allowed time


@settings(max_examples=300)
@given(starts=MOMENTS, zone=ZONES, quiet=QUIET, morning=st.booleans())
def test_visit_reminders_come_before_the_visit_and_never_in_quiet_hours(starts, zone, quiet, morning):
    for planned in timing.visit_reminders(starts, zone, quiet, morning_of=morning):
        assert planned.due_at < starts
        assert planned.expires_at == starts
        if not _quiet_covers_almost_all_day(quiet):
            assert not timing.in_quiet_hours(planned.due_at, zone, quiet)


@given(starts=MOMENTS, zone=ZONES)
def test_the_evening_reminder_is_at_18_local_the_day_before_without_quiet_hours(starts, zone):
    [eve] = timing.visit_reminders(starts, zone, (time(0), time(0)), morning_of=False)
    local = eve.due_at.astimezone(zone)
    assert (local.hour, local.minute) == (18, 0)
    assert local.date() == starts.astimezone(zone).date() - timedelta(days=1)


@settings(max_examples=300)
@given(ended=MOMENTS, zone=ZONES, offset=st.sampled_from([24, 48, 72, 168]))
def test_a_whole_day_follow_up_is_due_at_the_same_local_clock_time(ended, zone, offset):
    due = timing.lab_draw_due(ended, offset, zone)
    local_end, local_due = ended.astimezone(zone), due.astimezone(zone)
    assert local_due.date() == local_end.date() + timedelta(days=offset // 24)
    # Same wall time, unless that time does not exist on the day (spring-forward gap).
    elapsed_h = (due - ended).total_seconds() / 3600
    assert abs(elapsed_h - offset) <= 1.5


@given(draw=MOMENTS, zone=ZONES, quiet=QUIET)
def test_a_lab_reminder_comes_a_lead_before_the_window_opens_and_outside_quiet_hours(draw, zone, quiet):
    opens, closes = timing.draw_window(draw, zone)
    planned = timing.lab_reminder(draw, zone, quiet)
    assert opens <= draw <= closes
    assert planned.due_at <= opens - timing.LAB_LEAD
    assert planned.expires_at == opens  # never sent once the window has opened
    if not _quiet_covers_almost_all_day(quiet):
        assert not timing.in_quiet_hours(planned.due_at, zone, quiet)


def test_infusion_ending_the_saturday_before_spring_forward_is_followed_up_at_the_same_local_time():
    # New York moves to EDT at 02:00 on Sunday 14 March 2027.
    ended = datetime(2027, 3, 13, 15, 0, tzinfo=NEW_YORK)  # Saturday 15:00 EST (20:00 UTC)
    due = timing.lab_draw_due(ended.astimezone(timezone.utc), 24, NEW_YORK)
    assert due.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2027, 3, 14, 15, 0)  # Sunday 15:00 EDT
    assert due == datetime(2027, 3, 14, 19, 0, tzinfo=timezone.utc)  # 23 elapsed hours, not 24
    reminder = timing.lab_reminder(due, NEW_YORK, timing.DEFAULT_QUIET)
    # The window opens at 13:00 EDT; the reminder goes 3 hours before.
    assert reminder.due_at.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2027, 3, 14, 10, 0)


def test_infusion_ending_the_day_before_fall_back_is_followed_up_at_the_same_local_time():
    # Chicago goes back to CST at 02:00 on Sunday 1 November 2026.
    chicago = ZoneInfo("America/Chicago")
    ended = datetime(2026, 10, 31, 15, 0, tzinfo=chicago)  # Saturday 15:00 CDT (20:00 UTC)
    due = timing.lab_draw_due(ended.astimezone(timezone.utc), 24, chicago)
    assert due == datetime(2026, 11, 1, 21, 0, tzinfo=timezone.utc)  # Sunday 15:00 CST: 25 elapsed hours
    opens, closes = timing.draw_window(due, chicago)
    assert (opens.astimezone(chicago).hour, closes.astimezone(chicago).hour) == (13, 17)
    reminder = timing.lab_reminder(due, chicago, timing.DEFAULT_QUIET)
    # 10:00 CST, three hours before the window, and it stays sendable until the window opens.
    assert reminder.due_at == datetime(2026, 11, 1, 16, 0, tzinfo=timezone.utc) and reminder.expires_at == opens


def test_a_sender_that_finds_itself_in_quiet_hours_waits_for_their_end():
    at_2330 = datetime(2026, 11, 23, 23, 30, tzinfo=NEW_YORK)
    assert timing.next_allowed(at_2330, NEW_YORK, timing.DEFAULT_QUIET).astimezone(NEW_YORK).replace(tzinfo=None) \
        == datetime(2026, 11, 24, 8, 0)


def test_backoff_grows_and_is_capped():
    delays = [timing.retry_delay(n) for n in range(1, 10)]
    assert delays == sorted(delays)
    assert delays[0] == timedelta(minutes=1) and delays[-1] == timedelta(hours=1)
