"""Patients: search, register, read and change, through the same operations as the pages."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import time

from flask import jsonify
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations.access import read_patient, require_patient_access
from scheduler.operations.patients import PatientValues, create_patient, search_patients, update_patient
from scheduler.web.access import ALL_ROLES, allow
from scheduler.web.api import bp
from scheduler.web.api.common import ID, Fields, idempotent, page_of, paging
from scheduler.web.api.errors import ApiError
from scheduler.web.api.serialize import patient_json, patient_summary_json
from scheduler.operations.access import STAFF
from scheduler.web.formtools import geocoder
from scheduler.web.helpers import catalog

TEXT_FIELDS = ("first_name", "last_name", "sex", "address_line", "city", "state", "postal_code", "timezone", "phone", "email",
               "preferred_channel", "iga_status", "allergies", "notes")
FLAGS = ("email_consent", "sms_consent", "risk_renal", "risk_thrombotic", "risk_cardiac")
NUMBERS = ("height_cm", "lat", "lon")
TIMES = ("quiet_start", "quiet_end", "preferred_start", "preferred_end")
KNOWN = {f.name for f in fields(PatientValues)}


def _time(f: Fields, name: str, default):
    value = f.text(name, default=default, max_length=5)
    if value is default or isinstance(value, time):
        return value
    try:
        return time.fromisoformat(value)
    except ValueError:
        f.errors[name] = "Must be a time: HH:MM."
        return default


def _values(f: Fields, base: dict) -> dict:
    """The PatientValues fields given in the body over `base`; what each may hold is the
    operation's to check (it names every bad field)."""
    unknown = sorted(set(f.data) - KNOWN - {"weight_kg", "measured_on"})
    if unknown:
        f.errors.update({name: "Unknown field." for name in unknown})
    out = dict(base)
    for name in TEXT_FIELDS:
        out[name] = f.text(name, default=base.get(name, ""))
    for name in FLAGS:
        out[name] = f.boolean(name, default=base.get(name, False))
    for name in NUMBERS:
        number = f.decimal(name, default=base.get(name))
        out[name] = None if number is None else float(number)
    for name in TIMES:
        out[name] = _time(f, name, base.get(name))
    out["date_of_birth"] = f.day("date_of_birth", default=base.get("date_of_birth"))
    out["iga_tested_on"] = f.day("iga_tested_on", default=base.get("iga_tested_on"))
    return out


def _current(patient) -> dict:
    """A stored patient as PatientValues fields, for a PATCH that sends only some of them."""
    data = {name: getattr(patient, name, None) for name in KNOWN}
    data.update(phone=patient.phone_e164 or "", email=patient.email or "",
                email_consent=patient.email_consent_at is not None, sms_consent=patient.sms_consent_at is not None)
    return data


@bp.get("/patients")
@allow(*STAFF)
def patients():
    args = Fields.query()
    text = args.text("q", max_length=200)
    args.done()
    page, per_page = paging()
    session = get_session()
    found = search_patients(session, current_user, text=text, page=page, per_page=per_page, now=utcnow())
    session.commit()  # the audit row of this list
    return jsonify(page_of([patient_summary_json(p) for p in found.patients], found.total, found.page, per_page))


@bp.post("/patients")
@allow(*STAFF)
def create_patient_api():
    f = Fields.body()
    empty = {**{name: None for name in KNOWN}, **{name: "" for name in TEXT_FIELDS}, **{name: False for name in FLAGS}}
    values = PatientValues(**_values(f, empty))
    weight = f.decimal("weight_kg", required=True)
    measured_on = f.day("measured_on", required=True)
    f.done()

    def create():
        patient = create_patient(get_session(), values, weight_kg=float(weight), measured_on=measured_on,
                                 actor=current_user, now=utcnow(), geocoder=geocoder())
        return 201, patient_json(patient)

    return idempotent(create)


@bp.get(f"/patients/<{ID}:patient_id>")
@allow(*ALL_ROLES)  # which patient is decided by the operation, per role (as the summary page)
def patient(patient_id: int):
    session = get_session()
    found = read_patient(session, current_user, patient_id, now=utcnow(), details={"api": "patient"})
    body = patient_json(found)
    session.commit()  # the audit row of this read
    return jsonify(body)


@bp.patch(f"/patients/<{ID}:patient_id>")
@allow(*STAFF)
def update_patient_api(patient_id: int):
    session, now = get_session(), utcnow()
    stored = require_patient_access(session, current_user, patient_id, now=now)
    f = Fields.body()
    if "weight_kg" in f.data or "measured_on" in f.data:
        raise ApiError(422, "Weights are added, not changed.", fields={"weight_kg": "Not a patient field."})
    values = replace(PatientValues(**_current(stored)), **_values(f, _current(stored)))
    f.done()
    updated = update_patient(session, patient_id, values, actor=current_user, now=now, geocoder=geocoder(),
                             catalog=catalog())
    body = patient_json(updated)
    session.commit()
    return jsonify(body)
