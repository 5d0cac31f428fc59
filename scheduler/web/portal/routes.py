"""The patient portal: upcoming visits and blood tests, reminders sent, his settings."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations import DomainError
from scheduler.operations.labs import PLATELET_LINE_MEANINGS, PLATELET_LINES, get_draw, has_draws_before, platelet_trend
from scheduler.operations.labs import confirm_drawn as confirm_drawn_op
from scheduler.operations.labs import undo_drawn as undo_drawn_op
from scheduler.operations.portal import SHOWN_DRAW_STATUSES, overview, own_patient, update_preferences
from scheduler.web.access import allow
from scheduler.reminders.timing import draw_window
from scheduler.web.charts.platelets import PHONE_WIDTH, build_chart
from scheduler.web.helpers import follow_up_since
from scheduler.web.portal.forms import DrawnForm, PreferencesForm, UndoDrawnForm

bp = Blueprint("portal", __name__, url_prefix="/portal")


def _render(db, patient, form=None, status=200):
    now = utcnow()
    form = form or PreferencesForm(formdata=None, preferred_channel=patient.preferred_channel,
                                   email_consent=bool(patient.email_consent_at), sms_consent=bool(patient.sms_consent_at),
                                   morning_reminder=patient.morning_reminder, quiet_start=patient.quiet_start,
                                   quiet_end=patient.quiet_end)
    since = follow_up_since(now)
    page = overview(db, patient, now=now, since=since)
    zone = ZoneInfo(patient.timezone)
    trend = platelet_trend(db, patient.id, since=since)
    chart = None if trend.empty else build_chart(trend.points, trend.infusions, zone, PLATELET_LINES, width=PHONE_WIDTH)
    older = since is not None and has_draws_before(db, patient.id, since, statuses=SHOWN_DRAW_STATUSES)
    db.commit()  # the audit row of this read; every read before it (SQLite: the commit ends the write lock)
    return render_template("portal/home.html", patient=patient, page=page, form=form, undo=UndoDrawnForm(formdata=None),
                           zone=zone, now=now, windows={d.id: draw_window(d.due_at, zone) for d in page.draws},
                           chart=chart, meanings=PLATELET_LINE_MEANINGS, since=since, older=older), status


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


def _draw_or_404(db, draw_id: int, now):
    """His own draw (others are 404, as a missing id), with the portal's audited read."""
    own_patient(db, current_user, now=now)
    return get_draw(db, current_user, draw_id, now=now)


@bp.route("/draws/<int:draw_id>/drawn")
@allow("patient")
def confirm_drawn(draw_id: int):
    db, now = get_session(), utcnow()
    draw = _draw_or_404(db, draw_id, now)
    zone = ZoneInfo(draw.patient.timezone)
    opens, closes = draw_window(draw.due_at, zone)
    db.commit()
    return render_template("portal/confirm_drawn.html", draw=draw, opens=opens, closes=closes, zone=zone,
                           due_now=now >= opens, form=DrawnForm(formdata=None))


def _change_draw(db, operation, draw_id: int, now, done: str):
    """Run one draw operation for the patient, commit, and say what happened."""
    try:
        operation(db, draw_id, actor=current_user, now=now)
        db.commit()
        flash(done)
    except DomainError as exc:
        db.rollback()
        flash(str(exc))
    return redirect(url_for("portal.home") + "#blood-tests")


@bp.route("/draws/<int:draw_id>/drawn", methods=["POST"])
@allow("patient")
def drawn(draw_id: int):
    db, now = get_session(), utcnow()
    draw = _draw_or_404(db, draw_id, now)
    if not DrawnForm().validate():
        flash("Please confirm on this page that your blood was drawn.")
        return redirect(url_for("portal.confirm_drawn", draw_id=draw.id))
    return _change_draw(db, confirm_drawn_op, draw.id, now,
                        "Thank you: we have noted that your blood was drawn. Pressed by mistake? You can undo it today.")


@bp.route("/draws/<int:draw_id>/undo", methods=["POST"])
@allow("patient")
def undo_drawn(draw_id: int):
    db, now = get_session(), utcnow()
    draw = _draw_or_404(db, draw_id, now)
    if not UndoDrawnForm().validate():
        return redirect(url_for("portal.home") + "#blood-tests")
    return _change_draw(db, undo_drawn_op, draw.id, now, "Undone: the blood test is marked as not drawn yet.")
