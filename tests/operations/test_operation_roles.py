"""Writing operations check the actor's role themselves (operations/access.py require_role):
the view's decorator is not the only guard. A nurse or a patient calling them directly (a
new route, a script) is refused before anything changes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from scheduler.clinical import load_catalog
from scheduler.operations import AccessDenied
from scheduler.operations.courses import discontinue_order, edit_order, undo_cancel
from scheduler.operations.orders import OrderInput, create_order
from scheduler.operations.visits import book_series, cancel_visit, reschedule_visit
from tests.factories import make_nurse, make_order, make_patient, make_user, make_visit

NOW = datetime(2026, 11, 20, 15, tzinfo=timezone.utc)


def _order_input(patient_id: int) -> OrderInput:
    return OrderInput(patient_id=patient_id, product_id="octagam_10", indication="itp", dose_g_per_kg=1.0, days=2,
                      weight_policy="actual", rounding_g=None, premedication="", first_infusion=False,
                      product_switch=False, earliest_start=NOW.date() + timedelta(days=3), window_days=4, prescriber="")


WRITES = {
    "book visits": lambda s, w, actor: book_series(s, w["order"].id, w["nurse"].id, NOW + timedelta(days=3),
                                                  load_catalog(), actor=actor, now=NOW),
    "move visits": lambda s, w, actor: reschedule_visit(s, w["visit"].id, w["visit"].starts_at + timedelta(days=1),
                                                       actor=actor, now=NOW),
    "cancel visits": lambda s, w, actor: cancel_visit(s, w["visit"].id, "patient unwell", actor=actor, now=NOW),
    "undo a cancellation": lambda s, w, actor: undo_cancel(s, w["visit"].id, actor=actor, now=NOW),
    "create therapy orders": lambda s, w, actor: create_order(s, _order_input(w["patient"].id), load_catalog(),
                                                             actor=actor, now=NOW),
    "change therapy orders": lambda s, w, actor: edit_order(s, w["order"].id, _order_input(w["patient"].id),
                                                           load_catalog(), actor=actor, now=NOW),
    "discontinue therapy orders": lambda s, w, actor: discontinue_order(s, w["order"].id, "stopped", actor=actor,
                                                                       now=NOW),
}


@pytest.mark.parametrize("role", ["nurse", "patient"])
@pytest.mark.parametrize("doing", sorted(WRITES))
def test_a_writing_operation_refuses_a_nurse_or_a_patient(session, role, doing):
    nurse = make_nurse(session)
    patient = make_patient(session)
    order = make_order(session, patient=patient)
    visit = make_visit(session, order=order, nurse=nurse, starts_at=NOW + timedelta(days=5))
    world = {"nurse": nurse, "patient": patient, "order": order, "visit": visit}
    session.commit()
    before = (visit.starts_at, visit.status, order.status, order.dose_g_per_kg)
    with pytest.raises(AccessDenied, match=f"may {doing}"):
        WRITES[doing](session, world, make_user(session, role=role))
    session.rollback()
    session.refresh(visit)
    session.refresh(order)
    assert (visit.starts_at, visit.status, order.status, order.dose_g_per_kg) == before


def test_a_coordinator_passes_the_same_check(session):
    nurse = make_nurse(session)
    visit = make_visit(session, order=make_order(session, patient=make_patient(session)), nurse=nurse,
                       starts_at=NOW + timedelta(days=5))
    session.commit()
    [cancelled] = cancel_visit(session, visit.id, "patient unwell", actor=make_user(session, role="coordinator"), now=NOW)
    assert cancelled.status == "cancelled"
