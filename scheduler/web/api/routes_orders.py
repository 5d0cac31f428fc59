"""Therapy orders: create one, read it with its plan per day, and its booking suggestions."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import select

from scheduler.clinical import ClinicalRuleViolation, InvalidPlanInput
from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.models import Visit
from scheduler.operations import DomainError
from scheduler.operations.access import read_patient, record_list_read
from scheduler.operations.courses import ORDER_STATES, course_days, list_orders, order_state
from scheduler.operations.orders import DRAW_PLACES, OrderInput, create_order
from scheduler.operations.plans import current_plan
from scheduler.operations.visits import get_order, suggest_for_order
from scheduler.web.access import allow
from scheduler.web.api import bp
from scheduler.web.api.common import ID, Fields, idempotent, page_of, paging
from scheduler.web.api.serialize import course_day_json, order_json, slot_json, visit_json
from scheduler.web.helpers import catalog
from scheduler.operations.access import STAFF

# Suggestions are ranked; past the first few dozen they are no better than booking by hand.
MAX_SUGGESTIONS = 50


def _order_input(f: Fields) -> OrderInput:
    rounding = f.decimal("rounding_g")
    values = OrderInput(
        patient_id=f.id("patient_id"),
        product_id=f.text("product_id", required=True, max_length=40),
        indication=f.text("indication", required=True, max_length=20),
        dose_g_per_kg=float(f.decimal("dose_g_per_kg", required=True) or 0),
        days=f.integer("days", required=True),
        weight_policy=f.text("weight_policy", default="actual", max_length=20),
        rounding_g=None if rounding is None else float(rounding),
        premedication=f.text("premedication"),
        first_infusion=f.boolean("first_infusion"),
        product_switch=f.boolean("product_switch"),
        earliest_start=f.day("earliest_start", required=True),
        window_days=f.integer("window_days", default=4),
        prescriber=f.text("prescriber"),
        prescriber_override_reason=f.text("prescriber_override_reason", max_length=1000),
        long_session_reason=f.text("long_session_reason", max_length=1000),
        iga_ack_reason=f.text("iga_ack_reason", max_length=1000),
        day2_platelet_threshold=f.integer("day2_platelet_threshold"),
        draw_place=f.choice("draw_place", DRAW_PLACES, default="lab"),
    )
    f.done()
    return values


@bp.post("/orders")
@allow(*STAFF)
def create_order_api():
    values = _order_input(Fields.body())

    def create():
        order = create_order(get_session(), values, catalog(), actor=current_user, now=utcnow())
        return 201, order_json(order)

    return idempotent(create)


@bp.get(f"/orders/<{ID}:order_id>")
@allow(*STAFF)
def show_order(order_id: int):
    session, now = get_session(), utcnow()
    order = get_order(session, order_id)
    patient = read_patient(session, current_user, order.patient_id, now=now, details={"api": f"order {order.id}"})
    visits = list(session.scalars(select(Visit).where(Visit.order_id == order.id).order_by(Visit.starts_at)))
    days = course_days(order, visits)
    body = {**order_json(order), "state": order_state(order, days), "visits": [visit_json(v) for v in visits],
            "course_days": [course_day_json(d) for d in days], "plan": None, "plan_error": None}
    try:
        body["plan"] = current_plan(catalog(), order, patient, visits)
    except ClinicalRuleViolation as exc:
        body["plan_error"] = {"code": exc.code, "message": exc.message}
    except (InvalidPlanInput, DomainError) as exc:
        body["plan_error"] = {"code": "invalid", "message": str(exc)}
    session.commit()  # the audit row of this read
    return jsonify(body)


@bp.get("/orders")
@allow(*STAFF)
def orders():
    """Orders with their state (default: every state), filtered by state, product and patient."""
    args = Fields.query()
    state = args.choice("state", tuple(ORDER_STATES))
    product_id = args.text("product_id", default=None, max_length=40)
    patient_id = args.id("patient_id", required=False)
    args.done()
    page, per_page = paging()
    session, now = get_session(), utcnow()
    # The newest orders up to the page asked for (states are computed from the visits).
    rows = list_orders(session, states=(state,) if state else tuple(ORDER_STATES), product_id=product_id,
                       patient_id=patient_id, limit=page * per_page + 1)
    shown = rows[(page - 1) * per_page: page * per_page]
    record_list_read(session, current_user, object_type="order_list", patient_ids=[r.order.patient_id for r in shown],
                     now=now, details={"api": "orders"})
    session.commit()
    return jsonify(page_of([{**order_json(r.order), "state": r.state, "open_days": r.open_days} for r in shown],
                           len(rows), page, per_page))


@bp.get(f"/orders/<{ID}:order_id>/slots")
@allow(*STAFF)
def order_slots(order_id: int):
    """Booking suggestions within the order's window, optionally only those whose first
    visit starts in [from, to); with `days=2` (or 2,3) for only those days of the course
    (default: the days still open)."""
    args = Fields.query()
    start, end = args.moment("from"), args.moment("to")
    days_text = args.text("days", default=None, max_length=40)
    days = None
    if days_text is not None:
        parts = days_text.split(",")
        if not all(p.strip().isdigit() and len(p.strip()) < 4 for p in parts):
            args.errors["days"] = "Day numbers of the course separated by commas, e.g. 2 or 2,3."
        else:
            days = [int(p) for p in parts]
    args.done()
    page, per_page = paging()
    session, now = get_session(), utcnow()
    order = get_order(session, order_id)
    read_patient(session, current_user, order.patient_id, now=now, details={"api": f"slots of order {order.id}"})
    slots = [
        s for s in suggest_for_order(session, order.id, catalog(), now=now, limit=MAX_SUGGESTIONS, days=days)
        if (start is None or s.starts_at[0] >= start) and (end is None or s.starts_at[0] < end)
    ]
    session.commit()
    shown = slots[(page - 1) * per_page: page * per_page]
    return jsonify(page_of([slot_json(s) for s in shown], len(slots), page, per_page))
