"""Small helpers shared by the blueprints: the catalog, the agency's zone, local times."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, request
from wtforms import SelectChoice


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 select choices (plain tuples are deprecated)."""
    return [SelectChoice(value, label) for value, label in pairs]


def nurses_by_name(db) -> list:
    """Every nurse, by last name: the nurse pickers of booking, rescheduling and the calendar."""
    from sqlalchemy import select

    from scheduler.models import Nurse

    return list(db.scalars(select(Nurse).order_by(Nurse.last_name, Nurse.first_name)))


def nurse_choices(db) -> list[SelectChoice]:
    return choices((n.id, n.display_name) for n in nurses_by_name(db))


def catalog():
    return current_app.extensions["catalog_source"].get()


def public_base_url() -> str:
    """The app's public address: PUBLIC_BASE_URL, else the address this request reached."""
    return (current_app.config["PUBLIC_BASE_URL"] or request.host_url).rstrip("/")


def calendar_uid_domain() -> str:
    """The domain in calendar entries' UIDs: from PUBLIC_BASE_URL, else the worker's default
    address, never the address this request reached. A phone on the LAN address and a laptop on
    the host name must get the same UIDs, and the same as the invitations the worker emails,
    or their calendars show every visit twice."""
    from scheduler.config import LOCAL_BASE_URL
    from scheduler.notify.ics import uid_domain

    return uid_domain(current_app.config["PUBLIC_BASE_URL"] or LOCAL_BASE_URL)


def agency_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["AGENCY_TIMEZONE"])


def local_datetime(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A date and wall-clock time typed into a form, as an aware datetime in `zone`."""
    return datetime.combine(day, at, tzinfo=zone)


# Dates a calendar may be asked for: far enough for any real schedule, and far from the
# ends of the date type so "the week before" always exists.
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2100, 12, 31)


def parse_date_arg(value: str | None, default: date) -> date:
    """A ?week=YYYY-MM-DD style argument; anything unreadable or absurd falls back to the default."""
    try:
        parsed = date.fromisoformat(value) if value else default
    except ValueError:
        return default
    return parsed if EARLIEST_DATE <= parsed <= LATEST_DATE else default


class NonexistentLocalTime(ValueError):
    pass


def checked_local_datetime(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Like local_datetime, but a wall-clock time that does not exist that day (skipped by
    the spring-forward change) is refused instead of silently shifted by an hour."""
    moment = local_datetime(day, at, zone)
    round_trip = moment.astimezone(ZoneInfo("UTC")).astimezone(zone)
    if (round_trip.date(), round_trip.time()) != (day, at):
        raise NonexistentLocalTime(f"{at:%H:%M} does not exist on {day.isoformat()} in {zone.key} (the clocks change); choose another time.")
    return moment


def follow_up_since(now: datetime) -> datetime | None:
    """Where a patient page's platelet follow-up starts: the last RECENT_FOLLOW_UP, or her
    whole history when the page was asked for it (?history=all)."""
    from scheduler.operations.labs import RECENT_FOLLOW_UP

    return None if request.args.get("history") == "all" else now - RECENT_FOLLOW_UP
