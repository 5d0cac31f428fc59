"""Patient pages: the coordinator's searchable list, create and edit, weights; and the
summary, which every role may open for the patients the operation lets them reach."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.models import Patient
from scheduler import wording
from scheduler.operations.access import read_patient
from scheduler.operations.courses import ORDER_STATES
from scheduler.operations.patient_record import patient_record
from scheduler.operations.patients import add_weight, create_patient, search_patients, update_patient
from scheduler.operations.replan import WEIGHT_CHANGE_REPLAN_PCT
from scheduler.web.helpers import catalog
from scheduler.web.access import ALL_ROLES, allow
from scheduler.web.formtools import COORDINATES_HINT, coordinates_source, geocoder, in_zone, run_operation
from scheduler.operations.invitations import portal_status
from scheduler.web.invitations.forms import InviteForm, RevokeForm
from scheduler.web.patients.forms import NewPatientForm, PatientForm, PatientSearchForm, WeightForm
from scheduler.operations.access import STAFF

bp = Blueprint("patients", __name__, url_prefix="/patients")
bp.add_app_template_filter(in_zone, "in_zone")
bp.add_app_template_filter(coordinates_source, "coordinates_source")

PER_PAGE = 25


@bp.route("/")
@allow(*STAFF)
def index():
    form = PatientSearchForm(request.args)
    form.validate()
    page = 1 if form.page.errors or not form.page.data else form.page.data
    db = get_session()
    result = search_patients(db, current_user, text=form.q.data or "", page=page, per_page=PER_PAGE, now=utcnow())
    db.commit()  # the audit row of this listing
    return render_template("patients/index.html", form=form, result=result)


@bp.route("/new", methods=["GET", "POST"])
@allow(*STAFF)
def create():
    form = NewPatientForm() if request.method == "POST" else NewPatientForm(data=_new_patient_defaults())
    db = get_session()
    if form.validate_on_submit():
        patient = run_operation(db, form, lambda: create_patient(
            db, form.values(), weight_kg=form.weight_kg.data, measured_on=form.measured_on.data,
            actor=current_user, now=utcnow(), geocoder=geocoder()))
        if patient is not None:
            db.commit()
            flash(f"Patient registered; home placed at {patient.lat:.4f}, {patient.lon:.4f}, "
                  f"{coordinates_source(patient.coordinates_source)}.")
            return redirect(url_for("patients.summary", patient_id=patient.id))
    return render_template("patients/form.html", form=form, patient=None, coordinates_hint=COORDINATES_HINT)


def _new_patient_defaults() -> dict:
    zone = current_app.config["AGENCY_TIMEZONE"]
    columns = Patient.__table__.c
    return {"timezone": zone, "measured_on": utcnow().astimezone(ZoneInfo(zone)).date(),
            "quiet_start": columns.quiet_start.default.arg, "quiet_end": columns.quiet_end.default.arg}


@bp.route("/<int:patient_id>/edit", methods=["GET", "POST"])
@allow(*STAFF)
def edit(patient_id: int):
    db = get_session()
    now = utcnow()
    form = PatientForm()
    if form.validate_on_submit() and run_operation(db, form, lambda: update_patient(
            db, patient_id, form.values(), actor=current_user, now=now, geocoder=geocoder(),
            catalog=catalog())) is not None:
        db.commit()
        flash("Patient saved.")
        return redirect(url_for("patients.summary", patient_id=patient_id))
    patient = read_patient(db, current_user, patient_id, now=now)
    if not form.is_submitted():
        form.process(data=PatientForm.data_of(patient))
    db.commit()  # the audit row of this read
    return render_template("patients/form.html", form=form, patient=patient, coordinates_hint=COORDINATES_HINT)


@bp.route("/<int:patient_id>")
@allow(*ALL_ROLES)  # which patient is decided by the operation, per role
def summary(patient_id: int):
    return _summary(patient_id, WeightForm(formdata=None))


@bp.route("/<int:patient_id>/weights", methods=["POST"])
@allow(*STAFF)
def add_weight_page(patient_id: int):
    db = get_session()
    form = WeightForm()
    if form.validate_on_submit() and run_operation(db, form, lambda: add_weight(
            db, patient_id, form.weight_kg.data, form.measured_on.data, actor=current_user, now=utcnow(),
            catalog=catalog())) is not None:
        db.commit()
        flash("Weight added. Booked visits keep their plan unless the dose would move by more than "
              f"{WEIGHT_CHANGE_REPLAN_PCT} %: those are marked \"needs re-plan\".")
        return redirect(url_for("patients.summary", patient_id=patient_id))
    return _summary(patient_id, form)


def _summary(patient_id: int, weight_form: WeightForm):
    db = get_session()
    now = utcnow()
    patient = read_patient(db, current_user, patient_id, now=now)
    # Staff see the whole course of care (orders, visits, reminders, portal); the nurse and
    # the patient keep the page they had.
    can_edit = current_user.role in STAFF
    record = patient_record(db, patient, now=now) if can_edit else None
    portal = portal_status(db, patient, now=now) if can_edit else None
    db.commit()  # the audit row of this read
    return render_template("patients/summary.html", patient=patient, weight_form=weight_form,
                           can_edit=can_edit, record=record, order_states=ORDER_STATES,
                           reminder_kinds=wording.REMINDER_KINDS, reminder_statuses=wording.REMINDER_STATUSES,
                           portal=portal, invite_form=InviteForm(formdata=None, channel=_invite_channel(patient)),
                           revoke_form=RevokeForm(formdata=None))


def _invite_channel(patient) -> str:
    return "email" if patient.email or not patient.phone_e164 else "sms"
