"""Patients: register, edit, search, and record weights.

Coordinators and admins change patient records; everyone else reaches them read-only
through scheduler.operations.access. Every change writes its audit row here, naming the
fields changed but never their values (the log holds no PHI).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.models import Patient, PatientWeight
from scheduler.models.patients import CHANNELS, IGA_STATUSES, SEXES
from scheduler.operations import DomainError, audit
from scheduler.geocoding import Address
from scheduler.operations.access import patient_scope, record_change, require_patient_access
from scheduler.operations.addresses import Placed, Stored, place_address
from scheduler.operations.checks import Checker, InvalidValues, require_staff, time_zone_names
from scheduler.operations.replan import recheck_patient_visits
from scheduler.operations.reminders import replan_patient

# The database's own ranges (see models/patients.py), repeated here to say them clearly.
HEIGHT_CM_RANGE = (40, 250)
WEIGHT_KG_RANGE = (1, 350)
MAX_FREE_TEXT = 5000


class DuplicateWeight(DomainError):
    pass


@dataclass(frozen=True)
class PatientValues:
    """What a coordinator enters for a patient; names match the form's fields."""

    first_name: str
    last_name: str
    date_of_birth: date | None
    sex: str
    height_cm: float | None
    address_line: str
    city: str
    postal_code: str
    lat: float | None
    lon: float | None
    timezone: str
    phone: str
    email: str
    preferred_channel: str
    email_consent: bool
    sms_consent: bool
    quiet_start: time | None
    quiet_end: time | None
    preferred_start: time | None
    preferred_end: time | None
    iga_status: str
    risk_renal: bool
    risk_thrombotic: bool
    risk_cardiac: bool
    allergies: str
    notes: str
    # The date of the serum IgA result behind iga_status (issue 14); None while unknown.
    iga_tested_on: date | None = None
    # Last, with a default, so callers written before the State existed still work; blank is
    # filled from the ZIP code.
    state: str = ""


def _tenths(value: float | None) -> float | None:
    # The columns hold one decimal; rounding here makes "changed" compare like the database.
    return None if value is None else round(value, 1)


def _today_in(zone_name: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(zone_name)).date() if zone_name in time_zone_names() else now.date()


def _placed(values: PatientValues, geocoder, stored: Patient | None) -> tuple[Placed | None, dict[str, str]]:
    """The coordinates for the typed address, or the errors saying what to correct."""
    if not (values.postal_code or "").strip() and values.lat is None and values.lon is None:
        return None, {}  # "Enter the ZIP code" is said beside the field; nothing to place yet
    address = Address(values.address_line or "", values.city or "", values.state or "", values.postal_code or "")
    before = None if stored is None else Stored(
        Address(stored.address_line, stored.city, stored.state, stored.postal_code), stored.lat, stored.lon,
        stored.coordinates_source)
    try:
        return place_address(address, values.lat, values.lon, geocoder=geocoder, stored=before), {}
    except InvalidValues as exc:
        return None, exc.errors


def _clean(values: PatientValues, now: datetime, *, geocoder=None, stored: Patient | None = None) -> dict:
    """The model's attributes from the entered values, or InvalidValues naming every problem."""
    c = Checker()
    placed, place_errors = _placed(values, geocoder, stored)
    for name, message in place_errors.items():
        c.fail(name, message)
    out = dict(
        first_name=c.text("first_name", values.first_name, label="first name", max_len=100),
        last_name=c.text("last_name", values.last_name, label="last name", max_len=100),
        date_of_birth=c.when("date_of_birth", values.date_of_birth, label="date of birth"),
        sex=c.choice("sex", values.sex, SEXES, label="sex"),
        height_cm=_tenths(c.number("height_cm", values.height_cm, label="height", low=HEIGHT_CM_RANGE[0],
                                   high=HEIGHT_CM_RANGE[1], unit=" cm")),
        address_line=c.text("address_line", values.address_line, label="street address", max_len=300),
        city=c.text("city", values.city, label="city", max_len=100),
        postal_code=c.text("postal_code", values.postal_code, label="ZIP code", max_len=20),
        state=placed.state if placed else "",
        lat=c.number("lat", placed.lat if placed else 0.0, label="latitude", low=-90, high=90),
        lon=c.number("lon", placed.lon if placed else 0.0, label="longitude", low=-180, high=180),
        coordinates_source=placed.source if placed else "entered",
        timezone=c.time_zone("timezone", values.timezone),
        phone_e164=c.phone("phone", values.phone, required=False),
        email=c.text("email", values.email, label="email", max_len=254, required=False) or None,
        preferred_channel=c.choice("preferred_channel", values.preferred_channel, CHANNELS,
                                   label="reminder channel"),
        quiet_start=values.quiet_start,
        quiet_end=values.quiet_end,
        preferred_start=values.preferred_start,
        preferred_end=values.preferred_end,
        iga_status=c.choice("iga_status", values.iga_status, IGA_STATUSES, label="IgA status"),
        iga_tested_on=values.iga_tested_on,
        risk_renal=bool(values.risk_renal),
        risk_thrombotic=bool(values.risk_thrombotic),
        risk_cardiac=bool(values.risk_cardiac),
        allergies=c.text("allergies", values.allergies, label="allergies", max_len=MAX_FREE_TEXT,
                         required=False, multiline=True),
        notes=c.text("notes", values.notes, label="notes", max_len=MAX_FREE_TEXT, required=False, multiline=True),
    )
    born = out["date_of_birth"]
    if "date_of_birth" not in c.errors and born > _today_in(values.timezone, now):
        c.fail("date_of_birth", "The date of birth is in the future.")
    if out["email"] and not re.fullmatch(r"[^@\s]+@[^@\s]+", out["email"]):
        c.fail("email", "This is not a valid email address.")
    # Quiet hours may run over midnight (21:00-08:00), so only equal ends are meaningless.
    if values.quiet_start is None or values.quiet_end is None:
        c.fail("quiet_end", "Enter both ends of the quiet hours.")
    elif values.quiet_start == values.quiet_end:
        c.fail("quiet_end", "The quiet hours must end at another time than they start.")
    if (values.preferred_start is None) != (values.preferred_end is None):
        c.fail("preferred_end", "Enter both ends of the preferred visit hours, or neither.")
    elif values.preferred_start is not None and values.preferred_end <= values.preferred_start:
        c.fail("preferred_end", "The preferred visit hours must end after they start.")
    _check_iga(c, values, _today_in(values.timezone, now))
    _check_channel(c, values, out)
    c.done()
    return out


def _check_iga(c: Checker, values: PatientValues, today: date) -> None:
    """An IgA result is a status and the date of the test; "unknown" has no date."""
    tested = values.iga_tested_on
    if tested is None:
        return
    if values.iga_status == "unknown":
        c.fail("iga_tested_on", "An IgA test date goes with a result: choose the IgA status too, or clear the date.")
    elif c.when("iga_tested_on", tested, label="IgA test date") and "iga_tested_on" not in c.errors and tested > today:
        c.fail("iga_tested_on", "The IgA test date is in the future.")


def _check_channel(c: Checker, values: PatientValues, out: dict) -> None:
    # A preference the reminder worker could not honour would send nothing, silently:
    # refuse it here, where the coordinator can fix it.
    channel = values.preferred_channel
    if values.email_consent and not out["email"]:
        c.fail("email_consent", "Consent to email needs an email address.")
    if values.sms_consent and not out["phone_e164"]:
        c.fail("sms_consent", "Consent to text messages needs a phone number.")
    if channel in ("email", "both"):
        if not out["email"]:
            c.fail("preferred_channel", "Email reminders need an email address.")
        elif not values.email_consent:
            c.fail("preferred_channel", "Email reminders need the patient's consent to email: tick it once given.")
    if channel in ("sms", "both"):
        if not out["phone_e164"]:
            c.fail("preferred_channel", "Text-message reminders need a phone number.")
        elif not values.sms_consent:
            c.fail("preferred_channel", "Text-message reminders need the patient's consent to texts: tick it once given.")


def _consent_at(given_at: datetime | None, given: bool, now: datetime) -> datetime | None:
    """Keep the moment consent was first given; clear it when withdrawn."""
    if not given:
        return None
    return given_at or now


def _apply(patient: Patient, clean: dict, values: PatientValues, now: datetime) -> list[str]:
    """Set the attributes; the names of those that changed, for the audit row."""
    clean = dict(clean,
                 email_consent_at=_consent_at(patient.email_consent_at, values.email_consent, now),
                 sms_consent_at=_consent_at(patient.sms_consent_at, values.sms_consent, now))
    changed = [name for name, value in clean.items() if getattr(patient, name) != value]
    for name in changed:
        setattr(patient, name, clean[name])
    return sorted(changed)


def create_patient(session: Session, values: PatientValues, *, weight_kg: float | None, measured_on: date | None,
                   actor, now: datetime, geocoder=None) -> Patient:
    """A new patient with a first weight: no plan can be made without one. Coordinates left
    blank are placed from the address by `geocoder` (default: the offline ZIP centre)."""
    require_staff(actor)
    clean = _clean(values, now, geocoder=geocoder)
    _check_weight(weight_kg, measured_on, born=clean["date_of_birth"], today=_today_in(clean["timezone"], now))
    patient = Patient(email_consent_at=None, sms_consent_at=None, created_at=now)
    _apply(patient, clean, values, now)
    patient.weights = [PatientWeight(weight_kg=_tenths(weight_kg), measured_on=measured_on)]
    session.add(patient)
    session.flush()
    record_change(session, actor, object_type="patient", object_id=patient.id, patient_id=patient.id, now=now,
                  action="create")
    return patient


# Fields whose change moves or closes the patient's pending reminders.
REMINDER_FIELDS = {"preferred_channel", "email", "phone_e164", "email_consent_at", "sms_consent_at", "quiet_start",
                   "quiet_end", "timezone", "morning_reminder"}


def update_patient(session: Session, patient_id: int, values: PatientValues, *, actor, now: datetime,
                   geocoder=None, catalog=None) -> Patient:
    require_staff(actor)
    patient = require_patient_access(session, actor, patient_id, now=now)
    clean = _clean(values, now, geocoder=geocoder, stored=patient)
    changed = _apply(patient, clean, values, now)
    session.flush()
    # Same transaction: booked visits whose stored plan no longer holds are marked (issue 14).
    recheck_patient_visits(session, patient, catalog, changed=set(changed), actor=actor, now=now)
    if set(changed) & REMINDER_FIELDS:
        # Same transaction: reminders follow the new channel, consent, quiet hours or zone.
        replan_patient(session, patient, now=now)
    record_change(session, actor, object_type="patient", object_id=patient.id, patient_id=patient.id, now=now,
                  details={"fields": changed})
    return patient


def _check_weight(weight_kg: float | None, measured_on: date | None, *, born: date | None, today: date) -> None:
    c = Checker()
    c.number("weight_kg", weight_kg, label="weight", low=WEIGHT_KG_RANGE[0], high=WEIGHT_KG_RANGE[1], unit=" kg")
    c.when("measured_on", measured_on, label="date weighed")
    if "measured_on" not in c.errors:
        if measured_on > today:
            c.fail("measured_on", "The date weighed is in the future.")
        elif born is not None and measured_on < born:
            c.fail("measured_on", "The date weighed is before the date of birth.")
    c.done()


def add_weight(session: Session, patient_id: int, weight_kg: float | None, measured_on: date | None, *,
               actor, now: datetime, catalog=None) -> PatientWeight:
    """Record a weight. Visits already booked keep the plan stored with them; only plans made
    from now on use it (see operations/plans.weight_on). A booked visit whose dosing weight
    would move by more than the set percentage is marked "needs re-plan"."""
    require_staff(actor)
    patient = require_patient_access(session, actor, patient_id, now=now)
    _check_weight(weight_kg, measured_on, born=patient.date_of_birth, today=_today_in(patient.timezone, now))
    existing = next((w for w in patient.weights if w.measured_on == measured_on), None)
    if existing is not None:
        raise DuplicateWeight(_duplicate_message(existing))
    weight = PatientWeight(patient_id=patient.id, weight_kg=_tenths(weight_kg), measured_on=measured_on)
    try:
        # The unique (patient, date) constraint catches a concurrent entry of the same date.
        with session.begin_nested():
            session.add(weight)
            session.flush()
    except IntegrityError:
        raise DuplicateWeight(f"A weight is already recorded for {measured_on.isoformat()}; one weight per date.") from None
    session.expire(patient, ["weights"])
    record_change(session, actor, object_type="patient_weight", object_id=weight.id, patient_id=patient.id, now=now,
                  action="create")
    recheck_patient_visits(session, patient, catalog, changed={"weight"}, actor=actor, now=now)
    return weight


def _duplicate_message(existing: PatientWeight) -> str:
    return (f"A weight of {existing.weight_kg:g} kg is already recorded for {existing.measured_on.isoformat()}; "
            "one weight per date.")


@dataclass(frozen=True)
class PatientPage:
    patients: list[Patient]
    total: int
    page: int
    pages: int


DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")


def _as_date(term: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(term, fmt).date()
        except ValueError:
            continue
    return None


def _term_condition(term: str):
    born = _as_date(term)
    if born is not None:
        return Patient.date_of_birth == born
    pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(*(column.ilike(pattern, escape="\\") for column in (Patient.first_name, Patient.last_name, Patient.city)))


def search_patients(session: Session, actor, *, text: str = "", page: int = 1, per_page: int = 25,
                    now: datetime) -> PatientPage:
    """Patients the actor may see whose name or city contains every word of `text`, or who
    were born on a date written in it; one page, by name. Audited as one read listing the ids."""
    terms = [t for t in text.replace("\x00", " ").split() if t][:8]
    query = select(Patient).where(patient_scope(actor, now=now), *(_term_condition(t) for t in terms))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    patients = list(session.scalars(
        query.order_by(Patient.last_name, Patient.first_name, Patient.id).offset((page - 1) * per_page).limit(per_page)
    ))
    audit.record(session, actor=actor, action="list", object_type="patient", now=now,
                 details={"patient_ids": [p.id for p in patients], "page": page})
    return PatientPage(patients=patients, total=total, page=page, pages=pages)
