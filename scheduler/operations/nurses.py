"""Nurses: register (with a login), edit working hours and limits.

Working hours are entered as wall-clock times in the nurse's own zone. Absences (what was
time off) are in scheduler/operations/absences.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from scheduler.auth.passwords import password_problem
from scheduler.models import Nurse, User, WorkingHours
from scheduler.operations import NotFound
from scheduler.operations.access import record_change
from scheduler.operations.accounts import create_user, normalise_email
from scheduler.geocoding import Address
from scheduler.operations.addresses import Fields, Stored, place_address
from scheduler.operations.checks import Checker, InvalidValues, require_staff

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_VISITS_RANGE = (1, 6)
# Visits still to happen or happening: an absence over one of them leaves a patient without
# a nurse until the visit is re-planned.
OPEN_VISIT_STATUSES = ("booked", "in_progress")


@dataclass(frozen=True)
class NurseValues:
    """What a coordinator enters for a nurse. `hours` has one (start, end) per weekday,
    Monday first; (None, None) is a day off."""

    first_name: str
    last_name: str
    phone: str
    timezone: str
    home_address: str
    home_lat: float | None
    home_lon: float | None
    max_visits_per_day: int | None
    hours: tuple[tuple[time | None, time | None], ...]
    # With defaults, so callers written before them still work: a nurse registered with a
    # one-line address and typed coordinates keeps working.
    home_city: str = ""
    home_state: str = ""
    home_postal_code: str = ""


HOME = Fields(postal_code="home_postal_code", state="home_state", lat="home_lat", lon="home_lon")


def _home(c: Checker, values: NurseValues, geocoder, stored: Nurse | None) -> dict:
    """Her home's coordinates, placed from the address unless typed; what to correct otherwise."""
    city = c.text("home_city", values.home_city, label="city", max_len=100, required=False)
    postal_code = c.text("home_postal_code", values.home_postal_code, label="ZIP code", max_len=20, required=False)
    out = dict(home_city=city, home_postal_code=postal_code, home_state="", home_lat=values.home_lat,
               home_lon=values.home_lon, home_coordinates_source="entered")
    if not postal_code and (values.home_lat is None or values.home_lon is None):
        c.fail("home_postal_code", "Enter the ZIP code, so her home can be placed (or its latitude and longitude).")
        return out
    before = None if stored is None else Stored(
        Address(stored.home_address, stored.home_city, stored.home_state, stored.home_postal_code),
        stored.home_lat, stored.home_lon, stored.home_coordinates_source)
    address = Address(values.home_address or "", city, values.home_state or "", postal_code)
    try:
        placed = place_address(address, values.home_lat, values.home_lon, geocoder=geocoder, stored=before, names=HOME)
    except InvalidValues as exc:
        for name, message in exc.errors.items():
            c.fail(name, message)
        return out
    return dict(out, home_state=placed.state, home_lat=placed.lat, home_lon=placed.lon,
                home_coordinates_source=placed.source)


def _clean(c: Checker, values: NurseValues, *, geocoder=None, stored: Nurse | None = None) -> dict:
    home = _home(c, values, geocoder, stored)
    # None only when the place was refused (said beside its field already): a stand-in keeps the range check quiet.
    lat, lon = (0.0 if v is None else v for v in (home.pop("home_lat"), home.pop("home_lon")))
    out = dict(
        first_name=c.text("first_name", values.first_name, label="first name", max_len=100),
        last_name=c.text("last_name", values.last_name, label="last name", max_len=100),
        phone_e164=c.phone("phone", values.phone, required=True),
        timezone=c.time_zone("timezone", values.timezone),
        home_address=c.text("home_address", values.home_address, label="home address", max_len=300),
        **home,
        home_lat=c.number("home_lat", lat, label="latitude", low=-90, high=90),
        home_lon=c.number("home_lon", lon, label="longitude", low=-180, high=180),
        max_visits_per_day=c.number("max_visits_per_day", values.max_visits_per_day, label="maximum visits per day",
                                    low=MAX_VISITS_RANGE[0], high=MAX_VISITS_RANGE[1]),
    )
    for weekday, (start, end) in enumerate(values.hours):
        if (start is None) != (end is None):
            c.fail(f"end_{weekday}", f"{WEEKDAYS[weekday]}: enter both start and end, or neither for a day off.")
        elif start is not None and end <= start:
            c.fail(f"end_{weekday}", f"{WEEKDAYS[weekday]}: the end must be after the start.")
    return out


def _working_hours(values: NurseValues) -> list[WorkingHours]:
    return [WorkingHours(weekday=weekday, start_time=start, end_time=end)
            for weekday, (start, end) in enumerate(values.hours) if start is not None]


def create_nurse(session: Session, values: NurseValues, *, email: str, full_name: str, password: str,
                 actor, now: datetime, geocoder=None) -> Nurse:
    """A nurse and her login (role nurse) with the temporary password the coordinator typed;
    her home placed from its address unless its coordinates were typed."""
    require_staff(actor)
    c = Checker()
    clean = _clean(c, values, geocoder=geocoder)
    email = c.text("email", normalise_email(email or ""), label="email", max_len=254)
    full_name = c.text("full_name", full_name, label="full name", max_len=200)
    problem = password_problem(password or "", email)
    if problem:
        c.fail("password", problem)
    if email and session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        c.fail("email", f"An account with the email {email} already exists.")
    c.done()
    user = create_user(session, email=email, full_name=full_name, role="nurse", password=password)
    nurse = Nurse(user_id=user.id, **clean)
    nurse.working_hours = _working_hours(values)
    session.add(nurse)
    session.flush()
    record_change(session, actor, object_type="nurse", object_id=nurse.id, patient_id=None, now=now,
                  action="create", details={"user_id": user.id})
    return nurse


def get_nurse(session: Session, nurse_id: int) -> Nurse:
    nurse = session.get(Nurse, nurse_id)
    if nurse is None:
        raise NotFound("There is no such nurse.")
    return nurse


def list_nurses(session: Session) -> list[Nurse]:
    # Working hours with the list (the page counts them): one query, not one per nurse.
    return list(session.scalars(select(Nurse).options(selectinload(Nurse.working_hours))
                                .order_by(Nurse.last_name, Nurse.first_name, Nurse.id)))


def update_nurse(session: Session, nurse_id: int, values: NurseValues, *, actor, now: datetime,
                 geocoder=None) -> Nurse:
    require_staff(actor)
    nurse = get_nurse(session, nurse_id)
    c = Checker()
    clean = _clean(c, values, geocoder=geocoder, stored=nurse)
    c.done()
    changed = sorted(name for name, value in clean.items() if getattr(nurse, name) != value)
    for name in changed:
        setattr(nurse, name, clean[name])
    hours = [(h.weekday, h.start_time, h.end_time) for h in nurse.working_hours]
    new_hours = _working_hours(values)
    if hours != [(h.weekday, h.start_time, h.end_time) for h in new_hours]:
        nurse.working_hours = new_hours
        changed.append("working_hours")
    session.flush()
    record_change(session, actor, object_type="nurse", object_id=nurse.id, patient_id=None, now=now,
                  details={"fields": changed})
    return nurse
