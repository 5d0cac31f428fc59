"""A booked visit as the coordinator sees it: details, reschedule, cancel."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations import DomainError, NotFound
from scheduler.operations.access import read_visit
from scheduler.operations.replan import replan_visit
from scheduler.operations.visits import SchedulingConflict, cancel_visit, reschedule_visit
from scheduler.web.access import allow
from scheduler.web.helpers import NonexistentLocalTime, catalog, nurse_choices, checked_local_datetime
from scheduler.web.orders.forms import CancelForm, ReplanForm, RescheduleForm

bp = Blueprint("visits", __name__, url_prefix="/visits")
STAFF = ("coordinator", "admin")


def _visit_or_404(db, visit_id: int, now):
    try:
        return read_visit(db, current_user, visit_id, now=now)
    except NotFound:
        abort(404)


def _forms(db, visit, reschedule=None, cancel=None):
    zone = ZoneInfo(visit.patient.timezone)
    local = visit.starts_at.astimezone(zone)
    reschedule = reschedule or RescheduleForm(formdata=None, nurse_id=visit.nurse_id, start_date=local.date(),
                                              start_time=local.time().replace(second=0, microsecond=0))
    reschedule.nurse_id.choices = nurse_choices(db)
    return reschedule, cancel or CancelForm(formdata=None), zone


def _render(db, visit, *, reschedule=None, cancel=None, conflicts=(), status=200):
    reschedule, cancel, zone = _forms(db, visit, reschedule, cancel)
    db.commit()  # the audit row of this read
    return render_template("visits/show.html", visit=visit, reschedule=reschedule, cancel=cancel,
                           conflicts=conflicts, zone=zone), status


@bp.route("/<int:visit_id>")
@allow(*STAFF)
def show(visit_id: int):
    db = get_session()
    return _render(db, _visit_or_404(db, visit_id, utcnow()))


@bp.route("/<int:visit_id>/reschedule", methods=["POST"])
@allow(*STAFF)
def reschedule(visit_id: int):
    db, now = get_session(), utcnow()
    visit = _visit_or_404(db, visit_id, now)
    form = RescheduleForm()
    _forms(db, visit, reschedule=form)
    conflicts = []
    if form.validate():
        try:
            start = checked_local_datetime(form.start_date.data, form.start_time.data, ZoneInfo(visit.patient.timezone))
            moved = reschedule_visit(db, visit.id, start, nurse_id=form.nurse_id.data, scope=form.scope.data,
                                     actor=current_user, now=now)
            db.commit()
            flash(f"Moved {len(moved)} visit(s).")
            return redirect(url_for("visits.show", visit_id=visit.id))
        except NonexistentLocalTime as exc:
            form.start_time.errors.append(str(exc))
        except SchedulingConflict as exc:
            conflicts = exc.conflicts
        except DomainError as exc:
            form.form_errors.append(str(exc))
        db.rollback()
        visit = _visit_or_404(db, visit_id, now)
    return _render(db, visit, reschedule=form, conflicts=conflicts, status=409 if conflicts else 422)


@bp.route("/<int:visit_id>/replan", methods=["POST"])
@allow(*STAFF)
def replan(visit_id: int):
    """Re-plan the visit's course from the patient as he now is, keeping the booking if it fits."""
    db, now = get_session(), utcnow()
    visit = _visit_or_404(db, visit_id, now)
    form = ReplanForm()
    if form.validate():
        try:
            replanned = replan_visit(db, visit.id, catalog(), actor=current_user, now=now)
            db.commit()
            flash(f"Re-planned {len(replanned)} visit(s); the bookings are kept.")
            return redirect(url_for("visits.show", visit_id=visit.id))
        except DomainError as exc:
            db.rollback()
            flash(str(exc), "error")
            visit = _visit_or_404(db, visit_id, now)
    return _render(db, visit, status=422)


@bp.route("/<int:visit_id>/cancel", methods=["POST"])
@allow(*STAFF)
def cancel(visit_id: int):
    db, now = get_session(), utcnow()
    visit = _visit_or_404(db, visit_id, now)
    form = CancelForm()
    if form.validate():
        try:
            cancelled = cancel_visit(db, visit.id, form.reason.data, scope=form.scope.data, actor=current_user, now=now)
            db.commit()
            flash(f"Cancelled {len(cancelled)} visit(s).")
            return redirect(url_for("visits.show", visit_id=visit.id))
        except DomainError as exc:
            form.form_errors.append(str(exc))
            db.rollback()
            visit = _visit_or_404(db, visit_id, now)
    return _render(db, visit, cancel=form, status=422)
