"""Value checks shared by the patient and nurse operations.

They refuse, with a message fit for the form, what the database would refuse (lengths,
ranges, NOT NULL) and what it could not know is wrong (an unknown time zone, a phone number
that cannot be dialled). Errors are collected per field, so a form shows every problem at
once instead of one per submit.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers

from scheduler.operations import DomainError
from scheduler.operations.access import STAFF, require_role

DEFAULT_PHONE_REGION = "US"
# Entries of the tz database that are not places: "localtime" follows the server's own
# setting and "Factory" is a placeholder; neither is a patient's or nurse's zone.
NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})
# Years a date or date-time may have: beyond these nothing in this domain is meant, and
# converting far-off local times between zones overflows.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100


class InvalidValues(DomainError):
    """Several fields refused at once; `errors` maps each field name to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def require_staff(actor) -> None:
    """Patient and nurse records are changed by coordinators and admins only."""
    require_role(actor, STAFF, doing="make this change")


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones() - NOT_PLACES)


class Checker:
    """Collects field errors; `done()` raises them all together."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def done(self) -> None:
        if self.errors:
            raise InvalidValues(self.errors)

    def text(self, field: str, value: str | None, *, label: str, max_len: int, required: bool = True,
             multiline: bool = False) -> str:
        value = (value or "").strip()
        if required and not value:
            self.fail(field, f"Enter the {label}.")
        elif len(value) > max_len:
            self.fail(field, f"The {label} is too long: at most {max_len} characters.")
        elif "\x00" in value or (not multiline and any(ch in value for ch in "\r\n")):
            # PostgreSQL refuses NUL in text; a line break in a one-line field is a paste accident.
            self.fail(field, f"The {label} contains a character that is not allowed.")
        return value

    def number(self, field: str, value: float | int | None, *, label: str, low: float, high: float,
               unit: str = "") -> float | int | None:
        if value is None:
            self.fail(field, f"Enter the {label}.")
        # Written as "not inside" so NaN, which compares false with everything, is refused too.
        elif not (low <= value <= high):
            self.fail(field, f"The {label} must be between {low:g} and {high:g}{unit}.")
        return value

    def choice(self, field: str, value: str | None, allowed: tuple[str, ...], *, label: str) -> str | None:
        if value not in allowed:
            self.fail(field, f"Choose the {label} from the list.")
        return value

    def time_zone(self, field: str, value: str | None) -> str | None:
        if value not in time_zone_names():
            self.fail(field, "Unknown time zone: choose one from the list (e.g. America/Chicago).")
        return value

    def phone(self, field: str, value: str | None, *, required: bool) -> str | None:
        """The number in E.164 (+13125550199), or None when blank and not required."""
        value = (value or "").strip()
        if not value:
            if required:
                self.fail(field, "Enter a phone number.")
            return None
        e164 = phone_e164(value)
        if e164 is None:
            self.fail(field, "This is not a valid phone number; write it as (312) 555-0199 or +44 20 7946 0958.")
        return e164

    def when(self, field: str, value: date | datetime | None, *, label: str) -> date | datetime | None:
        """A date or a date-time, present and within the years this domain means."""
        if value is None:
            self.fail(field, f"Enter the {label}.")
        elif not (EARLIEST_YEAR <= value.year <= LATEST_YEAR):
            self.fail(field, f"The {label} must be between {EARLIEST_YEAR} and {LATEST_YEAR}.")
        return value

    def local_moment(self, field: str, value: datetime | None, zone: ZoneInfo) -> datetime | None:
        """A naive wall-clock time (already checked by `when`) as an aware one in `zone`.

        A time skipped when the clocks spring forward does not exist; it is refused rather
        than silently moved by an hour.
        """
        if value is None or field in self.errors:
            return None
        moment = value.replace(tzinfo=zone)
        if moment.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != value:
            self.fail(field, f"{value:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clocks change); "
                             "choose another time.")
            return None
        return moment


def phone_e164(raw: str, region: str = DEFAULT_PHONE_REGION) -> str | None:
    """A dialable number in E.164, or None. A number without + is read as a US number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
