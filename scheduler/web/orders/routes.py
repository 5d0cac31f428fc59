"""Therapy orders: enter an order with its plan previewed, then book its course."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from scheduler.clinical import ClinicalRuleViolation, InvalidPlanInput, plan_to_dict
from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.models import Visit
from scheduler.operations import DomainError, NotFound
from scheduler.operations.access import read_patient
from scheduler.operations.orders import OrderInput, create_order, preview_plan, unbooked_orders
from scheduler.operations.plans import current_plan
from scheduler.operations.day2 import day2_status, decide_day2
from scheduler.operations.safety import record_order_reasons, split_order
from scheduler.operations.visits import SchedulingConflict, book_series, get_order, suggest_for_order
from scheduler.web.access import allow
from scheduler.web.helpers import NonexistentLocalTime, choices, nurse_choices, catalog, checked_local_datetime
from scheduler.web.orders.forms import BookForm, Day2Form, OrderForm, OrderReasonsForm, SplitForm
from scheduler.web.converters import id_arg

bp = Blueprint("orders", __name__, url_prefix="/orders")
STAFF = ("coordinator", "admin")


def product_choices(indication: str) -> list[tuple[str, str]]:
    """Only products whose catalog entry has the indication; those the catalog cannot plan
    are still shown, marked, so the coordinator sees why they are refused."""
    choices = []
    for product in sorted(catalog().products.values(), key=lambda p: p.name):
        if indication in product.indications:
            missing = product.missing_for_planning(indication)
            choices.append((product.product_id, product.name + (" (cannot be planned: values not confirmed)" if missing else "")))
    return choices


@bp.route("/")
@allow(*STAFF)
def unbooked():
    db = get_session()
    orders = unbooked_orders(db)
    return render_template("orders/unbooked.html", orders=orders)


@bp.route("/new", methods=["GET", "POST"])
@allow(*STAFF)
def new():
    db, now = get_session(), utcnow()
    patient_id = id_arg(request.args, "patient")
    if patient_id is None:
        abort(404)
    patient = _read_patient(db, patient_id, now, page="new order")
    form = OrderForm()
    form.product_id.choices = choices(product_choices(form.indication.data or "itp"))
    plan, hard_stop = None, None
    if form.validate_on_submit():
        values = _order_input(form, patient.id)
        try:
            if "save" in request.form:
                order = create_order(db, values, catalog(), actor=current_user, now=now)
                db.commit()
                flash(f"Order #{order.id} saved. Choose a time for the visits.")
                return redirect(url_for("orders.book", order_id=order.id))
            plan = plan_to_dict(preview_plan(db, values, catalog()))
        except ClinicalRuleViolation as exc:
            hard_stop = exc
        except (InvalidPlanInput, DomainError) as exc:
            form.form_errors.append(str(exc))
    db.commit()  # the audit row of this read
    status = 422 if request.method == "POST" and (form.errors or hard_stop) else 200
    return render_template("orders/new.html", form=form, patient=patient, plan=plan, hard_stop=hard_stop), status


def _order_input(form: OrderForm, patient_id: int) -> OrderInput:
    return OrderInput(
        patient_id=patient_id,
        product_id=form.product_id.data,
        indication=form.indication.data,
        dose_g_per_kg=float(form.dose_g_per_kg.data),
        days=form.days.data,
        weight_policy=form.weight_policy.data,
        rounding_g=None if form.rounding.data == "exact" else float(form.rounding.data),
        premedication=form.premedication.data or "",
        first_infusion=form.first_infusion.data,
        product_switch=form.product_switch.data,
        earliest_start=form.earliest_start.data,
        window_days=form.window_days.data,
        prescriber=form.prescriber.data or "",
        prescriber_override_reason=form.prescriber_override_reason.data or "",
        long_session_reason=form.long_session_reason.data or "",
        iga_ack_reason=form.iga_ack_reason.data or "",
        day2_platelet_threshold=form.day2_platelet_threshold.data,
    )


def _read_patient(db, patient_id: int, now, *, page: str):
    try:
        return read_patient(db, current_user, patient_id, now=now, details={"page": page})
    except NotFound:
        abort(404)


def _order_or_404(db, order_id: int):
    try:
        return get_order(db, order_id)
    except NotFound:
        abort(404)


@bp.route("/<int:order_id>")
@allow(*STAFF)
def show(order_id: int):
    return _render_show(get_session(), order_id, utcnow())


def _render_show(db, order_id: int, now, reasons: OrderReasonsForm | None = None, status: int = 200,
                 day2: Day2Form | None = None):
    order = _order_or_404(db, order_id)
    patient = _read_patient(db, order.patient_id, now, page=f"order {order.id}")
    visits = list(db.scalars(select(Visit).where(Visit.order_id == order.id).order_by(Visit.starts_at)))
    plan, hard_stop = _current_plan(order, patient, visits)
    reasons = reasons or OrderReasonsForm(obj=order, formdata=None)
    db.commit()
    return render_template("orders/show.html", order=order, patient=patient, visits=visits, plan=plan,
                           hard_stop=hard_stop, zone=ZoneInfo(patient.timezone), reasons=reasons,
                           day2=day2_status(db, order), day2_form=day2 or Day2Form(formdata=None),
                           split_form=SplitForm(formdata=None, days=order.days + 1)), status


@bp.route("/<int:order_id>/split", methods=["POST"])
@allow(*STAFF)
def split(order_id: int):
    """Split a course whose days are too long; the prescriber must confirm the new regimen."""
    db, now = get_session(), utcnow()
    order = _order_or_404(db, order_id)
    form = SplitForm()
    if form.validate():
        try:
            split_order(db, order, form.days.data, catalog(), actor=current_user, now=now)
            db.commit()
            flash(f"Course split: {order.dose_g_per_kg:g} g/kg x {order.days} days. This is a new regimen: a prescriber "
                  "must confirm it before the visits happen (and record an override if it is outside the label).")
            return redirect(url_for("orders.show", order_id=order.id))
        except DomainError as exc:
            db.rollback()
            flash(str(exc), "error")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return _render_show(db, order_id, now, status=422)


@bp.route("/<int:order_id>/day2", methods=["POST"])
@allow(*STAFF)
def day2(order_id: int):
    """Give or withhold day 2 after the platelet check, with a reason (audited)."""
    db, now = get_session(), utcnow()
    order = _order_or_404(db, order_id)
    form = Day2Form()
    if form.validate():
        try:
            decide_day2(db, order.id, form.decision.data, form.reason.data, actor=current_user, now=now)
            db.commit()
            flash("Day 2 withheld: its visit and reminders are cancelled." if form.decision.data == "withhold"
                  else "Day 2 will be given.")
            return redirect(url_for("orders.show", order_id=order.id))
        except DomainError as exc:
            db.rollback()
            form.form_errors.append(str(exc))
    return _render_show(db, order_id, now, day2=form, status=422)


@bp.route("/<int:order_id>/reasons", methods=["POST"])
@allow(*STAFF)
def reasons(order_id: int):
    """Record a prescriber's override, an IgA acknowledgement or a long-day reason on the order."""
    db, now = get_session(), utcnow()
    order = _order_or_404(db, order_id)
    form = OrderReasonsForm()
    if form.validate():
        try:
            changed = record_order_reasons(db, order, {name: form[name].data for name in
                                                       ("prescriber_override_reason", "iga_ack_reason",
                                                        "long_session_reason")}, actor=current_user, now=now)
            db.commit()
            flash("Recorded on the order." if changed else "Nothing changed.")
            return redirect(url_for("orders.show", order_id=order.id))
        except DomainError as exc:
            form.form_errors.append(str(exc))
            db.rollback()
    return _render_show(db, order_id, now, reasons=form, status=422)


def _current_plan(order, patient, visits):
    """The plan the visits were booked with, or the plan the order would get today."""
    try:
        return current_plan(catalog(), order, patient, visits), None
    except (ClinicalRuleViolation, InvalidPlanInput, DomainError) as exc:
        return None, exc


@bp.route("/<int:order_id>/book", methods=["GET", "POST"])
@allow(*STAFF)
def book(order_id: int):
    db, now = get_session(), utcnow()
    order = _order_or_404(db, order_id)
    patient = _read_patient(db, order.patient_id, now, page=f"book order {order.id}")
    zone = ZoneInfo(patient.timezone)
    form = BookForm()
    form.nurse_id.choices = nurse_choices(db)
    conflicts, status = [], 200
    if form.validate_on_submit():
        try:
            start = checked_local_datetime(form.start_date.data, form.start_time.data, zone)
            visits = book_series(db, order.id, form.nurse_id.data, start, catalog(), actor=current_user, now=now)
            db.commit()
            flash(f"Booked {len(visits)} visit(s) for {patient.display_name}.")
            return redirect(url_for("orders.show", order_id=order.id))
        except NonexistentLocalTime as exc:
            form.start_time.errors.append(str(exc))
        except SchedulingConflict as exc:
            conflicts = exc.conflicts
        except (ClinicalRuleViolation, InvalidPlanInput, DomainError) as exc:
            form.form_errors.append(str(exc))
        # Nothing of the refused booking may stay; the read is audited again.
        db.rollback()
        patient = _read_patient(db, order.patient_id, now, page=f"book order {order.id}")
        status = 409 if conflicts else 422
    elif request.method == "POST":
        status = 422
    slots, slot_error = [], None
    try:
        slots = suggest_for_order(db, order.id, catalog(), now=now)
    except (ClinicalRuleViolation, InvalidPlanInput, DomainError) as exc:
        slot_error = str(exc)
    db.commit()
    return render_template("orders/book.html", order=order, patient=patient, form=form, slots=slots,
                           slot_error=slot_error, conflicts=conflicts, zone=zone), status
