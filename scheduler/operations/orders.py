"""Therapy orders: checked against the clinical core before they are saved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import Patient, Product, TherapyOrder
from scheduler.models.visits import ACTIVE_VISIT_STATUSES
from scheduler.operations import DomainError, NotFound
from scheduler.operations.access import STAFF, record_change, require_role
from scheduler.operations.plans import plan_for_order


# What an order may say, checked here for every caller (the order form, the API). The
# clinical core decides whether the product and dose can be planned; these bounds catch
# typing errors and keep dates within what the calendar can hold.
DOSE_G_PER_KG_RANGE = (0.05, 2.0)
DAYS_RANGE = (1, 10)
WINDOW_DAYS_RANGE = (0, 14)
INDICATIONS = ("itp", "pi")
WEIGHT_POLICIES = ("actual", "adjusted")
ROUNDINGS_G = (None, 5.0, 10.0)
DRAW_PLACES = ("lab", "home")
MAX_PREMEDICATION, MAX_PRESCRIBER = 2000, 200
MAX_REASON = 1000
# Platelet counts a day-2 threshold may name, in 10^9/L (the same range the database allows).
DAY2_THRESHOLD_RANGE = (1, 1000)


class InvalidOrder(DomainError):
    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class OrderInput:
    patient_id: int
    product_id: str
    indication: str
    dose_g_per_kg: float
    days: int
    weight_policy: str
    rounding_g: float | None
    premedication: str
    first_infusion: bool
    product_switch: bool
    earliest_start: date
    window_days: int
    prescriber: str
    # Issue 14: reasons recorded on the order (empty: none) and the day-2 platelet check.
    prescriber_override_reason: str = ""
    long_session_reason: str = ""
    iga_ack_reason: str = ""
    day2_platelet_threshold: int | None = None
    # Where the follow-up blood tests are taken: "lab" (the patient goes) or "home" (a nurse comes).
    draw_place: str = "lab"


REASON_LABELS = {
    "prescriber_override_reason": "prescriber's override reason",
    "long_session_reason": "reason to book the long day",
    "iga_ack_reason": "IgA acknowledgement",
}


def check_order_input(values: OrderInput) -> None:
    errors = {}
    if not DOSE_G_PER_KG_RANGE[0] <= values.dose_g_per_kg <= DOSE_G_PER_KG_RANGE[1]:
        errors["dose_g_per_kg"] = "The dose must be between {} and {} g/kg per day.".format(*DOSE_G_PER_KG_RANGE)
    if not DAYS_RANGE[0] <= values.days <= DAYS_RANGE[1]:
        errors["days"] = "The course must be {} to {} days.".format(*DAYS_RANGE)
    if not WINDOW_DAYS_RANGE[0] <= values.window_days <= WINDOW_DAYS_RANGE[1]:
        errors["window_days"] = "The window must be {} to {} days.".format(*WINDOW_DAYS_RANGE)
    if values.indication not in INDICATIONS:
        errors["indication"] = f"The indication must be one of {', '.join(INDICATIONS)}."
    if values.weight_policy not in WEIGHT_POLICIES:
        errors["weight_policy"] = f"The dosing weight policy must be one of {', '.join(WEIGHT_POLICIES)}."
    if values.rounding_g not in ROUNDINGS_G:
        errors["rounding_g"] = "Round the dose to 5 or 10 g, or not at all."
    if not 2000 <= values.earliest_start.year <= 2100:
        errors["earliest_start"] = "The start date must be between 2000 and 2100."
    if len(values.premedication) > MAX_PREMEDICATION:
        errors["premedication"] = f"At most {MAX_PREMEDICATION} characters."
    if values.draw_place not in DRAW_PLACES:
        errors["draw_place"] = "Choose where the blood tests are taken: at a lab or at home."
    if len(values.prescriber) > MAX_PRESCRIBER:
        errors["prescriber"] = f"At most {MAX_PRESCRIBER} characters."
    for name, label in REASON_LABELS.items():
        if len(getattr(values, name) or "") > MAX_REASON:
            errors[name] = f"The {label} is too long: at most {MAX_REASON} characters."
    threshold = values.day2_platelet_threshold
    if threshold is not None and not DAY2_THRESHOLD_RANGE[0] <= threshold <= DAY2_THRESHOLD_RANGE[1]:
        errors["day2_platelet_threshold"] = "The day-2 platelet threshold must be between {} and {} x10^9/L.".format(
            *DAY2_THRESHOLD_RANGE)
    elif threshold is not None and values.days < 2:
        errors["day2_platelet_threshold"] = "A platelet check before day 2 needs a course of at least 2 days."
    if errors:
        raise InvalidOrder(errors)


def draft_order(session: Session, values: OrderInput) -> TherapyOrder:
    """An unsaved order built from the form, for the plan preview."""
    check_order_input(values)
    patient = session.get(Patient, values.patient_id)
    if patient is None:
        raise NotFound(f"No patient #{values.patient_id}.")
    product = session.get(Product, values.product_id)
    if product is None:
        raise InvalidOrder({"product_id": f"There is no product {values.product_id!r} in the catalog."})
    if not product.orderable:
        raise InvalidOrder({"product_id": f"{product.name} is no longer in the catalog in service; choose another product."})
    fields = dict(values.__dict__)
    for name in REASON_LABELS:
        fields[name] = (fields[name] or "").strip()
    order = TherapyOrder(**fields)
    order.patient = patient
    return order


def preview_plan(session: Session, values: OrderInput, catalog):
    """The course plan the order would give; raises the clinical core's hard stops."""
    order = draft_order(session, values)
    plan = plan_for_order(catalog, order, order.patient, on=values.earliest_start)
    session.expunge(order) if order in session else None
    return plan


def create_order(session: Session, values: OrderInput, catalog, *, actor, now: datetime) -> TherapyOrder:
    """Save an order after planning it: a hard stop (IgA contraindication, a product the
    catalog cannot plan) refuses the order itself, not only its booking."""
    require_role(actor, STAFF, doing="create therapy orders")
    order = draft_order(session, values)
    plan_for_order(catalog, order, order.patient, on=values.earliest_start)
    from scheduler.operations.day2 import check_day2_request

    check_day2_request(catalog, order.product_id, order.indication, order.days, order.day2_platelet_threshold)
    order.created_by_id = getattr(actor, "id", None)
    if order.iga_ack_reason:
        order.iga_ack_by_id, order.iga_ack_at = getattr(actor, "id", None), now
    session.add(order)
    session.flush()
    record_change(session, actor, object_type="order", object_id=order.id, patient_id=order.patient_id,
                  now=now, action="create", details={"product_id": order.product_id})
    return order


def unbooked_orders(session: Session) -> list[TherapyOrder]:
    """Active orders with no active visit yet: the coordinator's to-do list."""
    from scheduler.models import Visit

    # NOT EXISTS per active order (index on visits.order_id), not NOT IN over every visit
    # ever booked, which both backends read in full.
    booked = select(Visit.id).where(Visit.order_id == TherapyOrder.id, Visit.status.in_(ACTIVE_VISIT_STATUSES))
    return list(session.scalars(
        select(TherapyOrder).where(TherapyOrder.status == "active", ~booked.exists())
        .order_by(TherapyOrder.earliest_start)
    ))
