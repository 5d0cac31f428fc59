"""Day-2 platelet decision: a draw after day 1, the result, give or withhold with a reason."""

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from scheduler.clinical import load_catalog
from scheduler.models import AuditEvent, LabDraw, Reminder
from scheduler.operations import DomainError
from scheduler.operations import documentation as docs
from scheduler.operations.day2 import DAY2_TEST, day2_status, decide_day2
from scheduler.operations.labs import record_result
from scheduler.operations.orders import OrderInput, create_order
from scheduler.operations.visits import book_series
from tests.factories import make_nurse, make_patient, make_product, make_user
from tests.rounds_support import make_lot

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
MONDAY = date(2026, 11, 23)
CATALOG = load_catalog()


def order_values(patient, **overrides):
    values = dict(patient_id=patient.id, product_id="gamunex_c", indication="itp", dose_g_per_kg=1.0, days=2,
                  weight_policy="actual", rounding_g=None, premedication="", first_infusion=False, product_switch=False,
                  earliest_start=MONDAY, window_days=4, prescriber="Dr Kim", day2_platelet_threshold=50)
    values.update(overrides)
    return OrderInput(**values)


def complete_day1(session, nurse_user, visit):
    """Document day 1 as a nurse would: 60 kg Gamunex-C 1 g/kg is 600 mL."""
    start = visit.starts_at + timedelta(minutes=30)
    at = lambda minutes: start + timedelta(minutes=minutes)  # noqa: E731
    docs.record_vitals(session, visit.id, "baseline", at(-5), {"pulse_bpm": 70}, actor=nurse_user, now=at(-5))
    docs.start_infusion(session, visit.id, at(0), actor=nurse_user, now=at(0))
    ramp = docs.planned_ramp(visit)
    for step in ramp.steps[1:]:
        docs.record_rate_change(session, visit.id, "step_up", at(float(step.start_min)), step.rate_ml_per_hr,
                                actor=nurse_user, now=at(float(step.start_min)))
    end = float(ramp.steps[-1].end_min) + 1
    docs.end_infusion(session, visit.id, at(end), ramp.volume_ml, actor=nurse_user, now=at(end))
    docs.record_vitals(session, visit.id, "end", at(end), {"pulse_bpm": 72}, actor=nurse_user, now=at(end))
    docs.record_lots_used(session, visit.id, make_lot(session, product_id="gamunex_c", size_g=20, quantity=5).id, 3,
                          Decimal(0), actor=nurse_user, now=at(end))
    docs.observation_done(session, visit.id, at(end + 30), actor=nurse_user, now=at(end + 30))
    docs.sign_record(session, visit.id, actor=nurse_user, now=at(end + 31))
    docs.complete_visit(session, visit.id, actor=nurse_user, now=at(end + 32))
    return at(0)


@pytest.fixture
def course(session):
    coordinator, nurse_user = make_user(session), make_user(session, role="nurse")
    nurse = make_nurse(session, user=nurse_user)
    make_product(session, product_id="gamunex_c", sizes_g=(1, 2.5, 5, 10, 20, 40))
    patient = make_patient(session, weight_kg=60, email_consent_at=NOW)  # reminders by email
    order = create_order(session, order_values(patient), CATALOG, actor=coordinator, now=NOW)
    day1, day2 = book_series(session, order.id, nurse.id, datetime.combine(MONDAY, time(8), tzinfo=CHICAGO), CATALOG,
                             actor=coordinator, now=NOW)
    started = complete_day1(session, nurse_user, day1)
    return coordinator, nurse_user, order, day1, day2, started


def test_completing_day1_plans_the_draw_24_hours_after_the_start_but_before_day2(session, course):
    _, _, order, day1, day2, started = course
    [draw] = session.scalars(select(LabDraw).where(LabDraw.test == DAY2_TEST)).all()
    assert draw.visit_id == day1.id and draw.due_at == min(started + timedelta(hours=24), day2.starts_at)
    assert session.scalar(select(Reminder.id).where(Reminder.lab_draw_id == draw.id)) is not None
    assert day2_status(session, order).suggestion is None  # no result yet


def test_day2_cannot_start_before_the_coordinator_decides(session, course):
    _, nurse_user, _, _, day2, _ = course
    with pytest.raises(docs.DocumentationError, match="has not decided to give day 2"):
        docs.start_infusion(session, day2.id, day2.starts_at + timedelta(minutes=30), actor=nurse_user,
                            now=day2.starts_at + timedelta(minutes=30))


def test_withholding_day2_cancels_it_and_its_reminders_and_is_audited(session, course):
    coordinator, _, order, day1, day2, _ = course
    draw = day2_status(session, order).draw
    with pytest.raises(DomainError, match="result is not in yet"):
        decide_day2(session, order.id, "withhold", "count rose", actor=coordinator, now=draw.due_at)
    record_result(session, draw.id, 72, actor=coordinator, now=draw.due_at)
    status = day2_status(session, order)
    assert status.suggestion == ("Platelets 72 x10^9/L, at or above the threshold of 50: the label allows "
                                 "withholding day 2.")
    with pytest.raises(DomainError, match="Give the reason"):
        decide_day2(session, order.id, "withhold", " ", actor=coordinator, now=draw.due_at)
    decide_day2(session, order.id, "withhold", "Dr Kim: adequate rise, withhold", actor=coordinator, now=draw.due_at)
    assert day2.status == "cancelled" and "Day 2 withheld" in day2.cancel_reason
    assert {r.status for r in session.scalars(select(Reminder).where(Reminder.visit_id == day2.id))} <= {"cancelled"}
    assert (order.day2_decision, order.day2_decided_by_id) == ("withhold", coordinator.id)
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "day2_decision"))
    assert audit is not None and "withhold" in str(audit.details)
    # Day 1 now ends the course: its platelet follow-up is planned.
    assert session.scalar(select(LabDraw.id).where(LabDraw.visit_id == day1.id, LabDraw.offset_hours == 48))
    with pytest.raises(DomainError, match="already decided"):
        decide_day2(session, order.id, "give", "changed mind", actor=coordinator, now=draw.due_at)


def test_giving_day2_lets_the_nurse_start(session, course):
    coordinator, nurse_user, order, _, day2, _ = course
    draw = day2_status(session, order).draw
    record_result(session, draw.id, 31, actor=coordinator, now=draw.due_at)
    assert "below the threshold of 50: give day 2" in day2_status(session, order).suggestion
    decide_day2(session, order.id, "give", "count still low", actor=coordinator, now=draw.due_at)
    started = day2.starts_at + timedelta(minutes=30)
    assert docs.start_infusion(session, day2.id, started, actor=nurse_user, now=started)


def test_the_check_is_only_for_labels_that_allow_withholding(session):
    coordinator = make_user(session)
    make_product(session, product_id="octagam_10")
    patient = make_patient(session)
    with pytest.raises(DomainError, match="label option of Gamunex-C \\(ITP\\), Privigen \\(ITP\\) only"):
        create_order(session, order_values(patient, product_id="octagam_10"), CATALOG, actor=coordinator, now=NOW)
