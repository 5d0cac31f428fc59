"""How the scheduler says things to people: each booking conflict and plan warning code as a
sentence with its numbers, lengths in hours and minutes, times with their zone.

Pages show these sentences; the codes stay in the API and in the pages' tooltips (a title
attribute), where support staff look for them. Pure: plain values in, text out, no Flask
and no database, so the booking rules can build their messages here.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def duration(minutes: float) -> str:
    """'6 h 10 min', '2 h', '45 min' (whole minutes, rounded up: a visit is never shortened)."""
    total = max(0, math.ceil(minutes - 1e-9))
    hours, mins = divmod(total, 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"


def day_text(day: date) -> str:
    """'Thu 3 Dec'."""
    return f"{day:%a} {day.day} {day:%b}"


def clock(moment: datetime, zone: ZoneInfo) -> str:
    """'11:40 CST': a time always carries its zone."""
    return moment.astimezone(zone).strftime("%H:%M %Z")


def when(moment: datetime, zone: ZoneInfo) -> str:
    """'Mon 7 Dec 08:00 CST'."""
    local = moment.astimezone(zone)
    return f"{day_text(local.date())} {local:%H:%M %Z}"


def span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """'Mon 7 Dec 08:00–11:46 CST'."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if local_start.date() == local_end.date():
        return f"{day_text(local_start.date())} {local_start:%H:%M}–{local_end:%H:%M %Z}"
    return f"{when(start, zone)} to {when(end, zone)}"


# -- booking conflicts, by rule code ---------------------------------------------------


def order_window(day_number: int, on: date, first: date, last: date) -> str:
    return (f"Day {day_number} on {day_text(on)} is outside the order's window, "
            f"{day_text(first)} to {day_text(last)}.")


def time_off(nurse: str, start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f"Nurse {nurse} is off from {when(start, zone)} to {when(end, zone)}."


def working_hours(nurse: str, start: datetime, end: datetime, hours: list[tuple[datetime, datetime]], zone: ZoneInfo) -> str:
    if not hours:
        return f"Nurse {nurse} does not work on {day_text(start.astimezone(zone).date())}."
    worked = ", ".join(f"{a.astimezone(zone):%H:%M}–{b.astimezone(zone):%H:%M}" for a, b in hours)
    return f"{span(start, end, zone)} is outside nurse {nurse}'s working hours that day ({worked})."


def _at(label: str) -> str:
    return f"at {label}'s" if label else "at this patient's on another day of this course"


def nurse_busy_before(nurse: str, label: str, other_end: datetime, drive_min: int, zone: ZoneInfo) -> str:
    """The nurse's previous visit ends too late to drive here in time."""
    earliest = other_end + timedelta(minutes=drive_min)
    return (f"Nurse {nurse} is {_at(label)} until {clock(other_end, zone)}; {drive_min} min drive, "
            f"so she can start here at {clock(earliest, zone)} at the earliest.")


def nurse_busy_after(nurse: str, label: str, other_start: datetime, drive_min: int, end: datetime, zone: ZoneInfo) -> str:
    """This visit ends too late for the nurse to reach her next one."""
    return (f"Nurse {nurse} is due {_at(label)} at {clock(other_start, zone)}, {drive_min} min drive away; "
            f"this visit would end at {clock(end, zone)}.")


def nurse_overlap(nurse: str, label: str, start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f"Nurse {nurse} is already {_at(label)} {span(start, end, zone)}."


def patient_overlap(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f"The patient already has a visit {span(start, end, zone)}."


def max_visits(nurse: str, count: int, maximum: int) -> str:
    return f"Nurse {nurse} already has {count} visit(s) that day; her maximum is {maximum}."


DATABASE_OVERLAP = ("Another booking for this nurse or patient was saved at the same moment; "
                    "reload the suggestions and choose again.")

# What each code is about, for a heading or a tooltip; the sentence carries the numbers.
CONFLICT_TITLES = {
    "order_window": "Outside the order's window",
    "time_off": "Nurse off",
    "working_hours": "Outside working hours",
    "nurse_overlap": "Nurse busy",
    "patient_overlap": "Patient already booked",
    "max_visits_per_day": "Nurse's day full",
    "database_overlap": "Booked at the same moment",
}

# Plan warnings come from the clinical core with their sentence (and its numbers); pages
# lead with a plain title and keep the code as the tooltip.
WARNING_TITLES = {
    "at_risk_cap_applied": "Slower maximum rate (risk factors)",
    "adjusted_weight_used": "Adjusted dosing weight",
    "dose_above_label": "Dose above the label",
    "excipient": "Excipient",
    "session_too_long": "Visit longer than the session limit",
    "dose_not_rounded": "Dose not rounded",
    "dose_rounded": "Dose rounded",
    "iga_contraindication": "IgA contraindication",
}


def title(code: str) -> str:
    """A plain title for any conflict, warning or hard-stop code (an unknown code is shown
    in words rather than raw)."""
    return CONFLICT_TITLES.get(code) or WARNING_TITLES.get(code) or code.replace("_", " ").capitalize()


# Reminder kinds and statuses as the outbox and the patient's page say them.
REMINDER_KINDS = {"visit_eve": "Visit tomorrow", "visit_morning": "Visit this morning", "lab_draw": "Blood draw",
                  "portal_invitation": "Portal invitation", "email_confirmation": "New email address to confirm",
                  "visit_update": "Visit moved", "visit_cancel": "Visit cancelled", "draw_cancel": "Blood draw cancelled"}
REMINDER_STATUSES = {"pending": "Pending", "sending": "Sending", "sent": "Sent", "failed": "Failed",
                     "cancelled": "Cancelled", "expired": "Expired (too late to be useful)"}
