"""Absence and re-plan pages (coordinators and admins)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.operations.absences import affected_visits, describe, get_absence
from scheduler.operations import AccessDenied
from scheduler.operations.access import record_list_read, require_nurse_access
from scheduler.operations.routes import directions_link, map_link, propose_route, route_day
from scheduler.operations.replans import (
    apply_replan, days_with_proposal, get_replan, patient_ids_of, propose_for_absence, replan_dates, replan_rows,
)
from scheduler.web.access import allow
from scheduler.web.database import get_session
from scheduler.web.formtools import in_zone, run_operation
from scheduler.web.helpers import agency_zone, choices, nurses_by_name, parse_date_arg
from scheduler.web.replans.absence_views import record_absence_from_form, time_limit_s
from scheduler.web.replans.forms import ApplyForm, NewAbsenceForm, OptimiseForm, ProposeForm
from scheduler.operations.access import STAFF

bp = Blueprint("replans", __name__)
bp.add_app_template_filter(in_zone, "in_zone")


@bp.route("/absences/new", methods=["GET", "POST"])
@allow(*STAFF)
def new_absence():
    """Record an absence for any nurse (linked from the calendar)."""
    db = get_session()
    form = NewAbsenceForm()
    form.nurse_id.choices = choices([(n.id, n.display_name) for n in nurses_by_name(db)])
    if request.method == "GET" and request.args.get("nurse", "").isdigit():
        form.nurse_id.data = int(request.args["nurse"])
    done = record_absence_from_form(form, form.nurse_id.data) if request.method == "POST" else None
    return done or render_template("replans/new_absence.html", form=form)


@bp.route("/absences/<int:absence_id>")
@allow(*STAFF)
def absence(absence_id: int):
    """The absence and the visits it leaves without a nurse."""
    db, now = get_session(), utcnow()
    found = get_absence(db, absence_id)
    visits = affected_visits(db, found)
    record_list_read(db, current_user, object_type="nurse_absence", patient_ids=[v.patient_id for v in visits], now=now,
                     details={"absence_id": found.id})
    db.commit()
    replans = sorted(found.replans, key=lambda r: r.id, reverse=True)
    return render_template("replans/absence.html", absence=found, visits=visits, replans=replans,
                           sentence=describe(found, found.nurse.timezone), propose_form=ProposeForm(formdata=None))


@bp.route("/absences/<int:absence_id>/replan", methods=["POST"])
@allow(*STAFF)
def propose(absence_id: int):
    """A fresh proposal (after the schedule changed, or for an absence recorded earlier)."""
    db = get_session()
    get_absence(db, absence_id)
    form = ProposeForm()
    if not form.validate_on_submit():
        flash("The request was not understood; nothing was proposed.", "error")
        return redirect(url_for("replans.absence", absence_id=absence_id))
    replan = run_operation(db, form, lambda: propose_for_absence(db, absence_id, actor=current_user, now=utcnow(),
                                                                 time_limit_s=time_limit_s()))
    if replan is None:
        flash(" ".join(form.form_errors), "error")
        return redirect(url_for("replans.absence", absence_id=absence_id))
    db.commit()
    return redirect(url_for("replans.show", replan_id=replan.id))


@bp.route("/replans/<int:replan_id>", methods=["GET", "POST"])
@allow(*STAFF)
def show(replan_id: int):
    """The proposal beside the nurses' days; POST applies all or the chosen rows."""
    db, now = get_session(), utcnow()
    replan = get_replan(db, replan_id)
    form = ApplyForm()
    if form.validate_on_submit():
        chosen = None if form.apply_all.data else list(form.visit_ids.data or [])
        if chosen == []:
            form.form_errors.append("Tick at least one row to apply, or apply all rows.")
        elif run_operation(db, form, lambda: apply_replan(db, replan_id, chosen, actor=current_user, now=now)) is not None:
            db.commit()
            flash(f"Applied: {len(chosen) if chosen else 'every'} row(s) moved; the patients' reminders follow the new times.")
            return redirect(url_for("replans.show", replan_id=replan_id))
        replan = get_replan(db, replan_id)  # after the rollback, as stored
    rows, unplaced = replan_rows(db, replan)
    nurse_days = days_with_proposal(db, rows)
    shown = patient_ids_of(replan) + [s.patient_id for d in nurse_days for s in d.stops]
    record_list_read(db, current_user, object_type="replan", patient_ids=shown, now=now, details={"replan_id": replan.id})
    db.commit()
    return render_template("replans/show.html", replan=replan, rows=rows, unplaced=unplaced, form=form, nurse_days=nurse_days,
                           chosen=set(form.visit_ids.data or []) if form.is_submitted() else None,
                           propose_form=ProposeForm(formdata=None), days=replan_dates(replan),
                           agency_zone=agency_zone())


@bp.route("/nurses/<int:nurse_id>/route", methods=["GET", "POST"])
@allow(*STAFF, "nurse")
def route_day_page(nurse_id: int):
    """Her day as a route (the nurse reads her own); POST ("Optimise this day", staff only)
    proposes a shorter order."""
    db, now = get_session(), utcnow()
    nurse = require_nurse_access(db, current_user, nurse_id)
    if request.method == "POST" and current_user.role not in STAFF:
        raise AccessDenied("Only coordinators and admins change the order of a day.")
    today = now.astimezone(ZoneInfo(nurse.timezone)).date()
    form = OptimiseForm()
    on = parse_date_arg(request.values.get("date"), today)
    if form.validate_on_submit():
        replan = run_operation(db, form, lambda: propose_route(db, nurse_id, on, actor=current_user, now=now))
        if replan is not None:
            db.commit()
            return redirect(url_for("replans.show", replan_id=replan.id))
        if not form.form_errors:
            flash("Her day is already in the shortest order that keeps each patient's hours; nothing to change.")
            return redirect(url_for("replans.route_day_page", nurse_id=nurse_id, date=on.isoformat()))
    day = route_day(db, nurse_id, on)
    record_list_read(db, current_user, object_type="route", patient_ids=[v.patient_id for v in day.visits], now=now,
                     details={"nurse_id": nurse_id, "date": on.isoformat()})
    db.commit()
    return render_template("replans/route.html", day=day, form=form, map_link=map_link, directions_link=directions_link,
                           previous=on - timedelta(days=1), following=on + timedelta(days=1),
                           staff=current_user.role in STAFF)
