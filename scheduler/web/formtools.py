"""Pieces shared by the coordinator's forms: the time-zone select and its display filter,
and turning an operation's refusal into errors beside the fields it names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from wtforms import SelectChoice, SelectField

from scheduler.operations import AccessDenied, DomainError, NotFound
from scheduler.operations.checks import InvalidValues, time_zone_names

T = TypeVar("T")

# Most patients and nurses of a US agency live in these; the rest of the tz database follows.
COMMON_US_ZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
    "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico",
)
COORDINATES_HINT = ("Leave latitude and longitude blank: they are placed from the address (the ZIP code's centre, "
                    "or the street address when a geocoding service is configured). Type them only to correct the "
                    "place, e.g. from a map app. Travel times between visits are estimated from them.")


def state_choices():
    from scheduler.geocoding import US_STATES

    return [SelectChoice("", "(from the ZIP code)")] + [SelectChoice(code, code) for code in US_STATES]


def in_zone(moment: datetime | None, zone_name: str) -> str:
    """A stored UTC moment as wall-clock time in a patient's or nurse's zone (a template filter)."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(zone_name)).strftime("%Y-%m-%d %H:%M %Z")


def coordinates_source(source: str) -> str:
    """Where a place's coordinates came from, in words (a template filter)."""
    from scheduler.geocoding import SOURCE_LABELS

    return SOURCE_LABELS.get(source, source)


def geocoder():
    """The app's geocoder (scheduler/geocoding.py): a configured service, else the ZIP centre."""
    from flask import current_app

    return current_app.extensions["geocoder"]


def time_zone_choices() -> list[SelectChoice]:
    rest = sorted(time_zone_names() - set(COMMON_US_ZONES))
    return ([SelectChoice(z, optgroup="Common US zones") for z in COMMON_US_ZONES]
            + [SelectChoice(z, optgroup="All zones") for z in rest])


def time_zone_field(label: str = "Time zone") -> SelectField:
    # The operation says "unknown time zone" in its own words; the select's generic
    # "Not a valid choice" would come first and say less.
    return SelectField(label, choices=time_zone_choices(), validate_choice=False)


def run_operation(db: Session, form, call: Callable[[], T]) -> T | None:
    """Run one operation; on refusal roll back, put its messages beside the fields, and
    return None. Otherwise its result (the caller commits).

    NotFound and AccessDenied propagate to the app's refusal handler, which shows no data.
    """
    try:
        return call()
    except (NotFound, AccessDenied):
        raise
    except InvalidValues as exc:
        db.rollback()
        for name, message in exc.errors.items():
            field = form._fields.get(name)
            if field is not None:
                field.errors = [*field.errors, message]
            else:
                form.form_errors.append(message)
        return None
    except DomainError as exc:
        db.rollback()
        form.form_errors.append(str(exc))
        return None
