"""Nurse pages: list, register with a login, edit hours and limits, absences."""

from __future__ import annotations

from datetime import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations.absences import remove_absence
from scheduler.operations.nurses import create_nurse, get_nurse, list_nurses, update_nurse
from scheduler.web.access import allow
from scheduler.web.formtools import COORDINATES_HINT, coordinates_source, geocoder, in_zone, run_operation
from scheduler.web.nurses.forms import AbsenceForm, NewNurseForm, NurseForm, RemoveAbsenceForm
from scheduler.web.replans.absence_views import record_absence_from_form
from scheduler.operations.access import STAFF

bp = Blueprint("nurses", __name__, url_prefix="/nurses")
bp.add_app_template_filter(in_zone, "in_zone")
bp.add_app_template_filter(coordinates_source, "coordinates_source")

# A new nurse's usual week until the coordinator says otherwise: weekdays, 8 to 5.
DEFAULT_WEEK = {**{f"start_{d}": time(8) for d in range(5)}, **{f"end_{d}": time(17) for d in range(5)}}


@bp.route("/")
@allow(*STAFF)
def index():
    return render_template("nurses/index.html", nurses=list_nurses(get_session()))


@bp.route("/new", methods=["GET", "POST"])
@allow(*STAFF)
def create():
    form = NewNurseForm() if request.method == "POST" else NewNurseForm(
        data={"timezone": current_app.config["AGENCY_TIMEZONE"], "max_visits_per_day": 2, **DEFAULT_WEEK})
    db = get_session()
    if form.validate_on_submit():
        nurse = run_operation(db, form, lambda: create_nurse(
            db, form.values(), email=form.email.data, full_name=form.full_name.data, password=form.password.data,
            actor=current_user, now=utcnow(), geocoder=geocoder()))
        if nurse is not None:
            db.commit()
            flash(f"Nurse registered. She logs in as {nurse.user.email} with the temporary password.")
            return redirect(url_for("nurses.edit", nurse_id=nurse.id))
    return render_template("nurses/form.html", form=form, nurse=None, coordinates_hint=COORDINATES_HINT)


@bp.route("/<int:nurse_id>", methods=["GET", "POST"])
@allow(*STAFF)
def edit(nurse_id: int):
    db = get_session()
    form = NurseForm()
    if form.validate_on_submit() and run_operation(db, form, lambda: update_nurse(
            db, nurse_id, form.values(), actor=current_user, now=utcnow(), geocoder=geocoder())) is not None:
        db.commit()
        flash("Nurse saved.")
        return redirect(url_for("nurses.edit", nurse_id=nurse_id))
    return _page(nurse_id, form, AbsenceForm(formdata=None))


@bp.route("/<int:nurse_id>/absences", methods=["POST"])
@allow(*STAFF)
def add_absence_page(nurse_id: int):
    form = AbsenceForm()
    done = record_absence_from_form(form, nurse_id)
    return done if done is not None else _page(nurse_id, None, form)


@bp.route("/<int:nurse_id>/absences/remove", methods=["POST"])
@allow(*STAFF)
def remove_absence_page(nurse_id: int):
    db = get_session()
    get_nurse(db, nurse_id)  # an unknown nurse is a 404, not a message
    form = RemoveAbsenceForm()
    if not form.validate_on_submit():
        flash("Nothing was removed: the request did not name an absence.", "error")
    elif run_operation(db, form, lambda: remove_absence(
            db, nurse_id, form.absence_id.data, actor=current_user, now=utcnow())) is None:
        flash(" ".join(form.form_errors), "error")
    else:
        db.commit()
        flash("Absence removed.")
    return redirect(url_for("nurses.edit", nurse_id=nurse_id))


def _page(nurse_id: int, form: NurseForm | None, absence_form: AbsenceForm):
    """The nurse's page: her details form, her absences and the form to record one."""
    nurse = get_nurse(get_session(), nurse_id)
    if form is None:
        form = NurseForm(formdata=None, data=NurseForm.data_of(nurse))
    elif not form.is_submitted():
        form.process(data=NurseForm.data_of(nurse))
    return render_template("nurses/form.html", form=form, nurse=nurse, absence_form=absence_form,
                           remove_form=RemoveAbsenceForm(formdata=None), coordinates_hint=COORDINATES_HINT)
