"""Follow-up lab draws: staff record a platelet result or mark a draw done or cancelled.

The patient summary page shows the draws and the trend through the `platelet_panel`
template global, so the page's own view needs no change to carry them.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations import DomainError
from scheduler.operations.labs import (
    PLATELET_LINES,
    draws_for_patient,
    get_draw,
    has_draws_before,
    platelet_trend,
    record_result,
    set_draw_status,
)
from scheduler.web.access import allow
from scheduler.web.charts.platelets import build_chart
from scheduler.web.helpers import follow_up_since
from scheduler.web.labs.forms import DrawStatusForm, ResultForm

bp = Blueprint("labs", __name__, url_prefix="/labs")


def platelet_panel(patient) -> dict:
    """Draws and chart for a patient page whose view already checked access to `patient`."""
    db = get_session()
    since = follow_up_since(utcnow())
    draws = draws_for_patient(db, patient.id, since=since)
    trend = platelet_trend(db, patient.id, since=since, draws=draws)
    zone = ZoneInfo(patient.timezone)
    return {
        "since": since,
        "older": since is not None and has_draws_before(db, patient.id, since),
        "draws": draws,
        "chart": None if trend.empty else build_chart(trend.points, trend.infusions, zone, PLATELET_LINES),
        "zone": zone,
        "result_form": ResultForm(formdata=None),
        "status_form": DrawStatusForm(formdata=None),
    }


bp.add_app_template_global(platelet_panel, "platelet_panel")


def _back(patient_id: int):
    # Back to the view the form was on: an older draw stays in sight after its result is entered.
    history = "all" if request.args.get("history") == "all" else None
    return redirect(url_for("patients.summary", patient_id=patient_id, history=history, _anchor="follow-up"))


@bp.route("/draws/<int:draw_id>/result", methods=["POST"])
@allow("coordinator", "admin", "nurse")
def result(draw_id: int):
    db, now = get_session(), utcnow()
    draw = get_draw(db, current_user, draw_id, now=now)  # NotFound (404) before anything is said
    form = ResultForm()
    if not form.validate():
        flash("Enter a platelet count between 0 and 2000 x10^9/L.")
        return _back(draw.patient_id)
    try:
        record_result(db, draw.id, float(form.platelets.data), actor=current_user, now=now)
    except DomainError as exc:
        db.rollback()
        flash(str(exc))
        return _back(draw.patient_id)
    db.commit()
    flash("Platelet result recorded.")
    return _back(draw.patient_id)


@bp.route("/draws/<int:draw_id>/status", methods=["POST"])
@allow("coordinator", "admin")
def status(draw_id: int):
    db, now = get_session(), utcnow()
    draw = get_draw(db, current_user, draw_id, now=now)
    form = DrawStatusForm()
    if form.validate():
        try:
            set_draw_status(db, draw.id, form.status.data, actor=current_user, now=now)
            db.commit()
            flash(f"Draw marked {form.status.data}.")
        except DomainError as exc:
            db.rollback()
            flash(str(exc))
    else:
        flash("Choose done or cancelled.")
    return _back(draw.patient_id)
