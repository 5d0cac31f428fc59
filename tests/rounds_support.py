"""A visit booked with a real stored plan, and stock for it: what the nurse's pages need."""

from __future__ import annotations

from datetime import date, timedelta

from scheduler.clinical import load_catalog, plan_to_dict
from scheduler.models import VialLot
from scheduler.operations.plans import plan_for_order
from tests.factories import make_nurse, make_order, make_patient, make_product, make_user, make_visit

CATALOG = load_catalog()


def make_planned_visit(session, *, starts_at, nurse=None, weight_kg=80.0, at_risk=True, **patient_fields):
    """Octagam 10 %, 1 g/kg: 800 mL at 48 -> 96 -> 158 mL/hr for an at-risk 80 kg patient."""
    patient = make_patient(session, weight_kg=weight_kg, measured_on=starts_at.date() - timedelta(days=30),
                           risk_renal=at_risk, **patient_fields)
    order = make_order(session, patient=patient, product=make_product(session), premedication="Paracetamol 1 g PO")
    plan = plan_to_dict(plan_for_order(CATALOG, order, patient, on=starts_at.date()))
    return make_visit(session, order=order, nurse=nurse or make_nurse(session), starts_at=starts_at,
                      duration=timedelta(hours=7), catalog_version=CATALOG.version, plan=plan)


def make_lot(session, *, lot_number="L1", size_g=20, quantity=10, expiry_date=date(2099, 1, 1), product_id="octagam_10"):
    lot = VialLot(product_id=product_id, lot_number=lot_number, size_g=size_g, quantity=quantity, expiry_date=expiry_date)
    session.add(lot)
    session.flush()
    return lot


def nurse_login(session):
    user = make_user(session, role="nurse")
    return user, make_nurse(session, user=user)
