"""Therapy orders: the list with each order's state, a new order with its plan previewed,
booking its course (or the days of it still open), editing and discontinuing it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from scheduler import wording
from scheduler.clinical import ClinicalRuleViolation, InvalidPlanInput, plan_to_dict
from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.models import Visit
from scheduler.operations import DomainError, NotFound
from scheduler.operations.access import read_patient, record_list_read
from scheduler.operations.courses import (DAY_STATES, OPEN_STATES, ORDER_STATES, discontinue_order, edit_order,
                                          list_orders, order_row)
from scheduler.operations.orders import OrderInput, create_order, preview_plan
from scheduler.operations.plans import current_plan
from scheduler.operations.day2 import day2_status, decide_day2
from scheduler.operations.safety import record_order_reasons, split_order
from scheduler.operations.visits import SchedulingConflict, book_series, check_days, get_order, open_days, order_suggestions
from scheduler.web.access import allow
from scheduler.web.helpers import NonexistentLocalTime, agency_zone, choices, nurse_choices, catalog, checked_local_datetime
from scheduler.web.orders.forms import BookForm, Day2Form, DiscontinueForm, OrderForm, OrderReasonsForm, SplitForm
from scheduler.web.converters import id_arg
from scheduler.web.forms import forbidden_character
from scheduler.operations.access import STAFF

bp = Blueprint("orders", __name__, url_prefix="/orders")
# Codes (conflicts, plan warnings, hard stops) in words on every page; the code is the tooltip.
bp.add_app_template_filter(wording.title, "code_title")


@bp.app_template_filter("product_name")
def product_name(product_id: str) -> str:
    """A product's name from the catalog (the id only if the catalog no longer has it)."""
    product = catalog().products.get(product_id)
    return product.name if product else product_id


def product_choices(indication: str) -> list[tuple[str, str]]:
    """Only products whose catalog entry has the indication; those the catalog cannot plan
    are still shown, marked, so the coordinator sees why they are refused."""
    choices = []
    for product in sorted(catalog().products.values(), key=lambda p: p.name):
        if indication in product.indications:
            missing = product.missing_for_planning(indication)
            choices.append((product.product_id, product.name + (" (cannot be planned: values not confirmed)" if missing else "")))
    return choices


ORDERS_READ = 200  # the newest orders the list reads, whatever the years behind them
STATE_FILTERS = {"open": ("Open orders", OPEN_STATES), **{k: (v, (k,)) for k, v in ORDER_STATES.items()},
                 "all": ("All orders", tuple(ORDER_STATES))}


@bp.route("/", endpoint="unbooked")
@allow(*STAFF)
def index():
    """Every order with its state; filters by state, product and patient name."""
    db, now = get_session(), utcnow()
    notes = []
    state = request.args.get("state", "open")
    if state not in STATE_FILTERS:
        notes.append("That state is not one of the list's; showing the open orders.")
        state = "open"
    product = request.args.get("product", "")
    products = {p.product_id: p.name for p in catalog().products.values()}
    if product and product not in products:
        notes.append("That product is not in the catalog; showing every product.")
        product = ""
    patient = request.args.get("patient", "")[:100]
    if forbidden_character(patient):
        # PostgreSQL refuses a NUL in a query parameter (a 500): say so and search without it.
        notes.append(f"The patient name: {forbidden_character(patient)} Showing every patient.")
        patient = ""
    rows = list_orders(db, states=STATE_FILTERS[state][1], product_id=product or None, patient=patient,
                       today=now.astimezone(agency_zone()).date(), limit=ORDERS_READ)
    if len(rows) >= ORDERS_READ:
        notes.append(f"Only the {ORDERS_READ} newest orders are listed; narrow the list with the filters.")
    record_list_read(db, current_user, object_type="order_list", patient_ids=[r.order.patient_id for r in rows], now=now)
    db.commit()
    return render_template("orders/index.html", rows=rows, notes=notes, state=state, product=product, patient=patient,
                           state_filters=STATE_FILTERS, products=sorted(products.items(), key=lambda p: p[1]),
                           states=ORDER_STATES)


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
        draw_place=form.draw_place.data,
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


def _order_page(order_id: int, page: str):
    """The request's session and instant, the order (404 if missing) and its patient, read
    with its audit row."""
    db, now = get_session(), utcnow()
    order = _order_or_404(db, order_id)
    return db, now, order, _read_patient(db, order.patient_id, now, page=f"{page} {order.id}")


@bp.route("/<int:order_id>")
@allow(*STAFF)
def show(order_id: int):
    db, now = get_session(), utcnow()
    order = _order_or_404(db, order_id)
    patient = _read_patient(db, order.patient_id, now, page=f"order {order.id}")
    return _render_show(db, order, patient)


def _render_show(db, order, patient, *, discontinue=None, reasons=None, day2=None, status=200):
    visits = list(db.scalars(select(Visit).where(Visit.order_id == order.id).order_by(Visit.starts_at)))
    plan, hard_stop = _current_plan(order, patient, visits)
    row = order_row(order)
    reasons = reasons or OrderReasonsForm(obj=order, formdata=None)
    db.commit()
    return render_template("orders/show.html", order=order, patient=patient, visits=visits, plan=plan,
                           hard_stop=hard_stop, zone=ZoneInfo(patient.timezone), row=row, states=ORDER_STATES,
                           day_states=DAY_STATES, discontinue=discontinue or DiscontinueForm(formdata=None),
                           reasons=reasons, day2=day2_status(db, order), day2_form=day2 or Day2Form(formdata=None),
                           split_form=SplitForm(formdata=None, days=order.days + 1)), status


def _show_refused(db, order_id: int, now, **forms):
    """The order page again (422) after one of its forms was refused, with that form's errors; the
    order is read afresh, as a rollback may have expired it."""
    order = _order_or_404(db, order_id)
    return _render_show(db, order, _read_patient(db, order.patient_id, now, page=f"order {order.id}"), status=422,
                        **forms)


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
    return _show_refused(db, order_id, now)


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
    return _show_refused(db, order_id, now, day2=form)


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
    return _show_refused(db, order_id, now, reasons=form)


@bp.route("/<int:order_id>/discontinue", methods=["POST"])
@allow(*STAFF)
def discontinue(order_id: int):
    db, now = get_session(), utcnow()
    order = _order_or_404(db, order_id)
    form = DiscontinueForm()
    if form.validate():
        try:
            cancelled = discontinue_order(db, order.id, form.reason.data, actor=current_user, now=now)
            db.commit()
            flash(f"Order #{order.id} discontinued; {len(cancelled)} visit(s) still ahead were cancelled "
                  "with their reminders.")
            return redirect(url_for("orders.show", order_id=order.id))
        except DomainError as exc:
            form.form_errors.append(str(exc))
            db.rollback()
    return _show_refused(db, order_id, now, discontinue=form)


@bp.route("/<int:order_id>/edit", methods=["GET", "POST"])
@allow(*STAFF)
def edit(order_id: int):
    db, now, order, patient = _order_page(order_id, "edit order")
    form = OrderForm(obj=order) if request.method == "GET" else OrderForm()
    if request.method == "GET":
        form.rounding.data = "exact" if order.rounding_g is None else str(int(order.rounding_g))
    form.product_id.choices = choices(product_choices(form.indication.data or order.indication))
    hard_stop = None
    if order.status != "active":
        form.form_errors.append(f"Order #{order.id} is {ORDER_STATES[order_row(order).state].lower()}; "
                                "it can no longer be edited.")
    elif form.validate_on_submit():
        try:
            result = edit_order(db, order.id, _order_input(form, patient.id), catalog(), actor=current_user, now=now)
            db.commit()
            _flash_edit(result, ZoneInfo(patient.timezone))
            return redirect(url_for("orders.show", order_id=order.id))
        except ClinicalRuleViolation as exc:
            hard_stop = exc
        except (InvalidPlanInput, DomainError) as exc:
            form.form_errors.append(str(exc))
        db.rollback()
        order = _order_or_404(db, order_id)
        patient = _read_patient(db, order.patient_id, now, page=f"edit order {order.id}")
    db.commit()
    status = 422 if request.method == "POST" else 200
    return render_template("orders/edit.html", form=form, order=order, patient=patient, hard_stop=hard_stop), status


def _flash_edit(result, zone) -> None:
    flash(f"Order #{result.order.id} saved and re-planned; {len(result.kept)} booked visit(s) kept with the new plan.")
    for moved in result.must_move:
        when = moved.visit.starts_at.astimezone(zone).strftime("%a %d %b %H:%M")
        flash(f"Day {moved.visit.day_number} ({when} {zone.key}) must move: {' '.join(moved.reasons)} "
              "It was cancelled; book it again from the suggestions.", "error")
    for dropped in result.dropped:
        flash(f"Day {dropped.day_number} is no longer part of the course; its visit was cancelled.")


def _current_plan(order, patient, visits):
    """The plan the visits were booked with, or the plan the order would get today."""
    try:
        return current_plan(catalog(), order, patient, visits), None
    except (ClinicalRuleViolation, InvalidPlanInput, DomainError) as exc:
        return None, exc


@bp.route("/<int:order_id>/book", methods=["GET", "POST"])
@allow(*STAFF)
def book(order_id: int):
    db, now, order, patient = _order_page(order_id, "book order")
    zone = ZoneInfo(patient.timezone)
    form = BookForm(days=request.args.get("days", ""))
    form.nurse_id.choices = nurse_choices(db)
    conflicts, status = [], 200
    days, days_error = _days_arg(db, order, form.days.data)
    if days_error:
        form.form_errors.append(days_error)
    if form.validate_on_submit() and not days_error:
        try:
            start = checked_local_datetime(form.start_date.data, form.start_time.data, zone)
            visits = book_series(db, order.id, form.nurse_id.data, start, catalog(), days=days or open_days(db, order) or None,
                                 actor=current_user, now=now)
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
    found, slot_error = None, None
    try:
        # Why earlier days were not offered, for the nurses searched; for every nurse on asking
        # (at 300 nurses that search costs the page about half a second).
        found = order_suggestions(db, order.id, catalog(), now=now, days=days, explain=True,
                                  explain_for_every_nurse=request.args.get("explain") == "all")
    except (ClinicalRuleViolation, InvalidPlanInput, DomainError) as exc:
        slot_error = str(exc)
    slots, skipped = (found.slots, found.skipped) if found else ([], [])
    db.commit()
    return render_template("orders/book.html", order=order, patient=patient, form=form, slots=slots, skipped=skipped,
                           found=found, slot_error=slot_error, conflicts=conflicts, zone=zone,
                           days=days or open_days(db, order) or list(range(1, order.days + 1))), status


def _days_arg(db, order, text: str | None) -> tuple[list[int] | None, str | None]:
    """The days to book from "2" or "2,3" (None: every day still open), or a sentence why not."""
    if not text:
        return None, None
    try:
        return list(check_days(order, [int(part) for part in text.split(",")])), None
    except ValueError:
        return None, f"Order #{order.id} has days 1 to {order.days}; choose among them."
    except DomainError as exc:
        return None, str(exc)
