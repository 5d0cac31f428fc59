"""A booked visit as the coordinator sees it: details, reschedule (with ranked
suggestions), cancel (after a confirmation) and, the same day, undo the cancellation."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from scheduler.clinical import ClinicalRuleViolation, InvalidPlanInput
from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations import DomainError, NotFound
from scheduler.operations.access import read_visit
from scheduler.operations.courses import can_undo_cancel, to_cancel, undo_cancel
from scheduler.operations.replan import replan_visit
from scheduler.operations.visits import SchedulingConflict, cancel_visit, reschedule_visit, suggest_for_order
from scheduler.web.access import allow
from scheduler.web.helpers import NonexistentLocalTime, catalog, nurse_choices, checked_local_datetime
from scheduler.web.orders.forms import CancelForm, ReplanForm, RescheduleForm
from scheduler.operations.access import STAFF

bp = Blueprint("visits", __name__, url_prefix="/visits")
# Ranked alternatives offered on the visit page for moving it.
RESCHEDULE_SUGGESTIONS = 5


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


def _suggestions(db, visit, now):
    """Other slots for this day of the course, best first (not the one it already has)."""
    if visit.status != "booked":
        return [], None
    try:
        slots = suggest_for_order(db, visit.order_id, catalog(), now=now, days=[visit.day_number], exclude_ids=[visit.id],
                                  limit=RESCHEDULE_SUGGESTIONS + 1)
    except (ClinicalRuleViolation, InvalidPlanInput, DomainError) as exc:
        return [], str(exc)
    others = [s for s in slots if (s.nurse_id, s.starts_at[0]) != (visit.nurse_id, visit.starts_at)]
    return others[:RESCHEDULE_SUGGESTIONS], None


def _render(db, visit, *, reschedule=None, cancel=None, conflicts=(), status=200):
    now = utcnow()
    reschedule, cancel, zone = _forms(db, visit, reschedule, cancel)
    slots, slot_error = _suggestions(db, visit, now)
    undoable = can_undo_cancel(visit, now=now)
    db.commit()  # the audit row of this read
    return render_template("visits/show.html", visit=visit, reschedule=reschedule, cancel=cancel,
                           conflicts=conflicts, zone=zone, slots=slots, slot_error=slot_error, undoable=undoable), status


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
    if not form.validate():
        return _render(db, visit, reschedule=form, status=422)

    def move():
        start = checked_local_datetime(form.start_date.data, form.start_time.data, ZoneInfo(visit.patient.timezone))
        moved = reschedule_visit(db, visit.id, start, nurse_id=form.nurse_id.data, scope=form.scope.data,
                                 actor=current_user, now=now)
        return f"Moved {len(moved)} visit(s)."

    return _change(db, visit_id, now, form, move, reschedule=form)


def _change(db, visit_id: int, now, form, change, **forms):
    """Run one change of the visit: done, commit, say so and show the visit; refused, roll
    back and show the page again with the conflicts or the message, the entries kept."""
    conflicts = []
    try:
        message = change()
        db.commit()
        flash(message)
        return redirect(url_for("visits.show", visit_id=visit_id))
    except NonexistentLocalTime as exc:
        form.start_time.errors.append(str(exc))
    except SchedulingConflict as exc:
        conflicts = exc.conflicts
    except DomainError as exc:
        form.form_errors.append(str(exc))
    db.rollback()
    return _render(db, _visit_or_404(db, visit_id, now), conflicts=conflicts, status=409 if conflicts else 422, **forms)


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
    """First post: what would be cancelled, to confirm. The confirmed post cancels."""
    db, now = get_session(), utcnow()
    visit = _visit_or_404(db, visit_id, now)
    form = CancelForm()
    if form.validate() and form.confirm.data != "1":
        if visit.status != "booked":
            form.form_errors.append(f"Visit #{visit.id} is {visit.status.replace('_', ' ')} and cannot be cancelled.")
            return _render(db, visit, cancel=form, status=422)
        affected = to_cancel(db, visit, form.scope.data)
        db.commit()
        return render_template("visits/confirm_cancel.html", visit=visit, form=form, affected=affected,
                               zone=ZoneInfo(visit.patient.timezone))
    if form.validate():
        try:
            cancelled = cancel_visit(db, visit.id, form.reason.data, scope=form.scope.data, actor=current_user, now=now)
            db.commit()
            flash(f"Cancelled {len(cancelled)} visit(s) and their reminders. You can undo this today from each "
                  "visit's page while its slot is still free.")
            return redirect(url_for("visits.show", visit_id=visit.id))
        except DomainError as exc:
            form.form_errors.append(str(exc))
            db.rollback()
            visit = _visit_or_404(db, visit_id, now)
    return _render(db, visit, cancel=form, status=422)


@bp.route("/<int:visit_id>/undo-cancel", methods=["POST"])
@allow(*STAFF)
def undo(visit_id: int):
    db, now = get_session(), utcnow()
    visit = _visit_or_404(db, visit_id, now)
    form = CancelForm(formdata=None)  # the app-wide CSRF check has run already

    def undo_it():
        undo_cancel(db, visit.id, actor=current_user, now=now)
        return "Cancellation undone: the visit is booked again at its time, with its reminders."

    return _change(db, visit_id, now, form, undo_it, cancel=form)
