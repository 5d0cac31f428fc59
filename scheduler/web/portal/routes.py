"""The patient portal: upcoming visits and blood tests, reminders sent, his settings."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations import DomainError
from scheduler.operations.labs import get_draw, set_draw_status
from scheduler.operations.portal import overview, own_patient, update_preferences
from scheduler.web.access import allow
from scheduler.web.portal.forms import DrawnForm, PreferencesForm

bp = Blueprint("portal", __name__, url_prefix="/portal")


def _render(db, patient, form=None, status=200):
    now = utcnow()
    form = form or PreferencesForm(formdata=None, preferred_channel=patient.preferred_channel,
                                   email_consent=bool(patient.email_consent_at), sms_consent=bool(patient.sms_consent_at),
                                   morning_reminder=patient.morning_reminder, quiet_start=patient.quiet_start,
                                   quiet_end=patient.quiet_end)
    page = overview(db, patient, now=now)
    db.commit()  # the audit row of this read
    return render_template("portal/home.html", patient=patient, page=page, form=form, drawn=DrawnForm(formdata=None),
                           zone=ZoneInfo(patient.timezone)), status


@bp.route("/")
@allow("patient")
def home():
    db = get_session()
    return _render(db, own_patient(db, current_user, now=utcnow()))


@bp.route("/preferences", methods=["POST"])
@allow("patient")
def preferences():
    db, now = get_session(), utcnow()
    patient = own_patient(db, current_user, now=now)
    form = PreferencesForm()
    if form.validate():
        try:
            update_preferences(db, patient, channel=form.preferred_channel.data, email_consent=form.email_consent.data,
                               sms_consent=form.sms_consent.data, morning_reminder=form.morning_reminder.data,
                               quiet_start=form.quiet_start.data, quiet_end=form.quiet_end.data,
                               actor=current_user, now=now)
            db.commit()
            flash("Your reminder settings are saved.")
            return redirect(url_for("portal.home"))
        except DomainError as exc:
            db.rollback()
            form.form_errors.append(str(exc))
            patient = own_patient(db, current_user, now=now)
    return _render(db, patient, form, status=422)


@bp.route("/draws/<int:draw_id>/drawn", methods=["POST"])
@allow("patient")
def drawn(draw_id: int):
    db, now = get_session(), utcnow()
    draw = get_draw(db, current_user, draw_id, now=now)  # his own draws only; others are 404
    if DrawnForm().validate():
        try:
            set_draw_status(db, draw.id, "done", actor=current_user, now=now)
            db.commit()
            flash("Thank you: we have noted that your blood was drawn.")
        except DomainError as exc:
            db.rollback()
            flash(str(exc))
    return redirect(url_for("portal.home"))
