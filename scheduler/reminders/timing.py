"""When reminders go out: pure rules on aware datetimes and IANA zones, no database.

Every rule is stated in the patient's wall-clock time ("18:00 the evening before") and
resolved to an absolute UTC instant with zoneinfo, so a daylight-saving change between now
and the visit cannot shift a message by an hour. Quiet hours are a local wall-clock window
(default 21:00-08:00, it may wrap midnight); a reminder whose moment falls inside is moved
EARLIER, to shortly before the quiet hours begin: a reminder must arrive before what it
announces, and a late one is worth less than an early one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

EVENING_BEFORE_AT = time(18, 0)
# Morning-of: this long before the visit starts, and not less than MORNING_MIN_AHEAD ahead
# (a message a few minutes before the nurse rings is noise).
MORNING_LEAD = timedelta(hours=2)
MORNING_MIN_AHEAD = timedelta(minutes=30)
# The time the patient is given for a follow-up draw: the due time widened on the local
# clock by these amounts and out to whole half hours. "11:16" is a minute no lab or nurse
# can promise; "09:00-13:30" is a time a patient can plan around.
DRAW_WINDOW_BEFORE = timedelta(hours=2)
DRAW_WINDOW_AFTER = timedelta(hours=2)
HALF_HOUR_MIN = 30
# A draw reminder goes out this long before the draw WINDOW OPENS, on the local clock, and
# is moved earlier (never later) out of quiet hours. Once the window has opened it is no
# longer sent: a reminder after the time began is a reproach, not a reminder.
LAB_LEAD = timedelta(hours=3)
# Moved out of quiet hours, a reminder goes this long before they begin.
QUIET_MARGIN = timedelta(minutes=30)
DEFAULT_QUIET = (time(21, 0), time(8, 0))


@dataclass(frozen=True)
class Planned:
    kind: str  # visit_eve, visit_morning, lab_draw
    due_at: datetime  # aware UTC: the moment it should go out
    expires_at: datetime  # aware UTC: after this it is no longer useful and expires


def to_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


def wall(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Local wall-clock time on a day as an aware instant.

    A time skipped by spring-forward (02:30 on the change day) resolves, with fold=0, to the
    instant an hour later on the new clock (03:30): the nearest existing reading.
    """
    return datetime.combine(day, at, tzinfo=zone)


def in_quiet_hours(moment: datetime, zone: ZoneInfo, quiet: tuple[time, time]) -> bool:
    start, end = quiet
    if start == end:  # no quiet hours
        return False
    local = moment.astimezone(zone).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end  # wraps midnight


def before_quiet_hours(moment: datetime, zone: ZoneInfo, quiet: tuple[time, time]) -> datetime:
    """`moment`, or if it falls in quiet hours, QUIET_MARGIN before those quiet hours began."""
    if not in_quiet_hours(moment, zone, quiet):
        return to_utc(moment)
    start, _end = quiet
    local = moment.astimezone(zone)
    # The quiet period holding `moment` began at `start` today or, past midnight, yesterday.
    began_day = local.date() if local.time() >= start else local.date() - timedelta(days=1)
    # The margin, or half the allowed time if that is shorter (quiet hours that leave only
    # a few minutes of the day), so the moment lands in the allowed time, not the quiet
    # period before it.
    allowed_min = (_minutes(start) - _minutes(_end)) % (24 * 60)
    step = min(QUIET_MARGIN, timedelta(minutes=allowed_min / 2))
    candidate = to_utc(min(wall(began_day, start, zone), moment)) - step  # absolute time: no wall-clock surprises
    # A quiet start inside a spring-forward gap resolves an hour late; step back until out.
    for _ in range(8):
        if not in_quiet_hours(candidate, zone, quiet):
            break
        candidate -= step
    return to_utc(candidate)


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def next_allowed(now: datetime, zone: ZoneInfo, quiet: tuple[time, time]) -> datetime:
    """The first moment at or after `now` outside quiet hours (for a sender that found a
    due reminder inside them, e.g. after downtime)."""
    if not in_quiet_hours(now, zone, quiet):
        return to_utc(now)
    _start, end = quiet
    local = now.astimezone(zone)
    end_day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return to_utc(wall(end_day, end, zone))


def visit_reminders(starts_at: datetime, zone: ZoneInfo, quiet: tuple[time, time], *,
                    morning_of: bool) -> list[Planned]:
    """Evening before at 18:00 local and, if asked for, the morning of the visit."""
    start_local = starts_at.astimezone(zone)
    eve = before_quiet_hours(wall(start_local.date() - timedelta(days=1), EVENING_BEFORE_AT, zone), zone, quiet)
    planned = [Planned("visit_eve", eve, to_utc(starts_at))]
    if morning_of:
        morning = next_allowed(starts_at - MORNING_LEAD, zone, quiet)
        if morning <= to_utc(starts_at) - MORNING_MIN_AHEAD and morning > eve:
            planned.append(Planned("visit_morning", morning, to_utc(starts_at)))
    return planned


def lab_draw_due(infusion_ended_at: datetime, offset_hours: int, zone: ZoneInfo) -> datetime:
    """When a follow-up draw is due.

    Whole days (24, 48, 72, 168 h) are counted as calendar days at the same local clock
    time: "tomorrow at the time the infusion ended" is what the patient, the nurse and the
    lab book, and across a daylight-saving change it is one hour off the elapsed count,
    which is clinically immaterial. Other offsets are elapsed hours.
    """
    if offset_hours % 24 == 0:
        local = infusion_ended_at.astimezone(zone)
        return to_utc(wall(local.date() + timedelta(days=offset_hours // 24), local.time().replace(tzinfo=None), zone))
    return to_utc(infusion_ended_at + timedelta(hours=offset_hours))


def _local_wall(naive: datetime, zone: ZoneInfo) -> datetime:
    return wall(naive.date(), naive.time(), zone)


def draw_window(draw_due_at: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """When the patient may have the blood drawn: (opens, closes), aware UTC, holding the due time."""
    local = draw_due_at.astimezone(zone).replace(tzinfo=None)
    start = local - DRAW_WINDOW_BEFORE
    start -= timedelta(minutes=start.minute % HALF_HOUR_MIN, seconds=start.second, microseconds=start.microsecond)
    end = local + DRAW_WINDOW_AFTER
    spare = timedelta(minutes=end.minute % HALF_HOUR_MIN, seconds=end.second, microseconds=end.microsecond)
    if spare:
        end += timedelta(minutes=HALF_HOUR_MIN) - spare
    # Wall-clock arithmetic across a clock change can land an hour either way; the window
    # always holds the due time.
    opens = min(to_utc(_local_wall(start, zone)), to_utc(draw_due_at))
    closes = max(to_utc(_local_wall(end, zone)), to_utc(draw_due_at))
    return opens, closes


def lab_reminder(draw_due_at: datetime, zone: ZoneInfo, quiet: tuple[time, time]) -> Planned:
    """LAB_LEAD before the draw window opens on the local clock, moved earlier out of quiet
    hours; it expires when the window opens, so it never goes out after."""
    opens, _closes = draw_window(draw_due_at, zone)
    target = _local_wall(opens.astimezone(zone).replace(tzinfo=None) - LAB_LEAD, zone)
    # A target inside a fall-back repeat or a spring-forward gap can resolve later than
    # LAB_LEAD before opening; the lead is a minimum, so clamp it.
    target = min(to_utc(target), opens - LAB_LEAD)
    return Planned("lab_draw", before_quiet_hours(target, zone, quiet), opens)


def retry_delay(attempts: int) -> timedelta:
    """Backoff after a failed attempt: 1, 2, 4, 8 ... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))
