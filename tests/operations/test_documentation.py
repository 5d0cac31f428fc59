"""The infusion record, step by step: what is accepted, what is refused and why."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from scheduler.models import Amendment, AuditEvent, RateChange, VitalSigns
from scheduler.operations import AccessDenied, NotFound
from scheduler.operations import documentation as docs
from tests.factories import make_user
from tests.rounds_support import make_lot, make_planned_visit, nurse_login

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


def at(minutes):
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def setup(session):
    user, nurse = nurse_login(session)
    visit = make_planned_visit(session, starts_at=at(-30), nurse=nurse)
    return session, user, visit


def started(setup):
    session, user, visit = setup
    docs.start_infusion(session, visit.id, at(0), actor=user, now=at(1))
    return session, user, visit


def run_the_ramp(session, user, visit, *, lots=True, vitals=True):
    """What a complete record holds before the end at 340 min: the plan's step-ups (48 -> 96 ->
    158 mL/hr, which give 800 mL by about 336 min), baseline and end vital signs, the lots used."""
    docs.record_rate_change(session, visit.id, "step_up", at(30), Decimal(96), actor=user, now=at(31))
    docs.record_rate_change(session, visit.id, "step_up", at(60), Decimal(158), actor=user, now=at(61))
    if vitals:
        for phase, minute in (("baseline", -5), ("end", 338)):
            docs.record_vitals(session, visit.id, phase, at(minute), {"pulse_bpm": 72}, actor=user, now=at(339))
    if lots:
        docs.record_lots_used(session, visit.id, make_lot(session, quantity=40).id, 40, Decimal(0), actor=user,
                              now=at(339))


def test_start_records_the_plans_first_rate_and_marks_the_visit_in_progress(setup):
    session, user, visit = started(setup)
    [change] = docs.rate_changes(session, visit)
    assert (change.kind, change.rate_ml_per_hr) == ("start", 48)
    assert visit.status == "in_progress"
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "infusion_start")) == 1


def test_start_in_the_future_or_twice_is_refused(setup):
    session, user, visit = setup
    with pytest.raises(docs.DocumentationError, match="future"):
        docs.start_infusion(session, visit.id, at(30), actor=user, now=at(0))
    docs.start_infusion(session, visit.id, at(0), actor=user, now=at(1))
    with pytest.raises(docs.DocumentationError, match="already started"):
        docs.start_infusion(session, visit.id, at(1), actor=user, now=at(2))


def test_vitals_bp_400_over_20_is_refused_and_a_fever_is_flagged(setup):
    session, user, visit = setup
    with pytest.raises(docs.DocumentationError) as refused:
        docs.record_vitals(session, visit.id, "baseline", at(-5), {"systolic_mmhg": 400, "diastolic_mmhg": 20},
                           actor=user, now=at(0))
    assert "not possible" in refused.value.errors["systolic_mmhg"]
    _, flags = docs.record_vitals(session, visit.id, "baseline", at(-5), {"temperature_c": Decimal("38.4")}, actor=user, now=at(0))
    assert "temperature_c" in flags
    with pytest.raises(docs.DocumentationError, match="baseline"):
        docs.record_vitals(session, visit.id, "end", at(-4), {"pulse_bpm": 80}, actor=user, now=at(0))


def test_vitals_during_the_infusion_before_its_start_are_refused(setup):
    session, user, visit = started(setup)
    with pytest.raises(docs.DocumentationError, match="before the start"):
        docs.record_vitals(session, visit.id, "before_increase", at(-10), {"pulse_bpm": 80}, actor=user, now=at(20))


def test_rate_changes_follow_the_plan_and_refuse_the_cap_the_past_and_skipped_steps(setup):
    session, user, visit = started(setup)
    with pytest.raises(docs.DocumentationError, match="above this patient's maximum of 158"):
        docs.record_rate_change(session, visit.id, "step_up", at(30), Decimal(200), actor=user, now=at(31))
    with pytest.raises(docs.DocumentationError, match="before the start"):
        docs.record_rate_change(session, visit.id, "step_up", at(-1), Decimal(96), actor=user, now=at(31))
    with pytest.raises(docs.DocumentationError, match="cannot skip"):
        docs.record_rate_change(session, visit.id, "step_up", at(30), Decimal(158), actor=user, now=at(31))
    with pytest.raises(docs.DocumentationError, match="Say why"):
        docs.record_rate_change(session, visit.id, "pause", at(30), None, actor=user, now=at(31))
    docs.record_rate_change(session, visit.id, "step_up", at(30), Decimal(96), actor=user, now=at(31))
    docs.record_rate_change(session, visit.id, "pause", at(40), None, "chills", actor=user, now=at(41))
    with pytest.raises(docs.DocumentationError, match="resume it first"):
        docs.record_rate_change(session, visit.id, "slow_down", at(45), Decimal(48), "x", actor=user, now=at(46))
    docs.record_rate_change(session, visit.id, "resume", at(60), Decimal(48), actor=user, now=at(61))
    assert [c.kind for c in docs.rate_changes(session, visit)] == ["start", "step_up", "pause", "resume"]


def test_a_reaction_is_recorded_with_severity_and_action(setup):
    session, user, visit = started(setup)
    row = docs.record_reaction(session, visit.id, at(40), "chills", "moderate", "paused, paracetamol", actor=user, now=at(41))
    assert row.severity == "moderate"
    with pytest.raises(docs.DocumentationError, match="mild, moderate or severe"):
        docs.record_reaction(session, visit.id, at(40), "rash", "awful", "", actor=user, now=at(41))


def test_lots_used_decrement_stock_and_refuse_expired_or_missing_vials(setup):
    session, user, visit = started(setup)
    lot = make_lot(session, quantity=3)
    expired = make_lot(session, lot_number="OLD", expiry_date=date(2026, 11, 1))
    docs.record_lots_used(session, visit.id, lot.id, 2, Decimal("50"), actor=user, now=at(10))
    assert lot.quantity == 1
    with pytest.raises(docs.DocumentationError, match="only 1 vial"):
        docs.record_lots_used(session, visit.id, lot.id, 2, Decimal(0), actor=user, now=at(10))
    with pytest.raises(docs.DocumentationError, match="expired"):
        docs.record_lots_used(session, visit.id, expired.id, 1, Decimal(0), actor=user, now=at(10))
    with pytest.raises(docs.DocumentationError, match="Waste"):
        docs.record_lots_used(session, visit.id, lot.id, 1, Decimal(500), actor=user, now=at(10))


def test_end_refuses_more_than_the_bag_and_a_time_before_the_start(setup):
    session, user, visit = started(setup)
    run_the_ramp(session, user, visit)
    with pytest.raises(docs.DocumentationError, match="more than this visit's bag"):
        docs.end_infusion(session, visit.id, at(340), Decimal(900), actor=user, now=at(341))
    with pytest.raises(docs.DocumentationError, match="before"):
        docs.end_infusion(session, visit.id, at(-10), Decimal(800), actor=user, now=at(341))
    record = docs.end_infusion(session, visit.id, at(340), Decimal(800), actor=user, now=at(341))
    assert record.total_volume_ml == 800
    assert docs.rate_changes(session, visit)[-1].kind == "stop"


def test_signed_record_is_immutable_and_corrected_by_amendments(setup):
    session, user, visit = started(setup)
    with pytest.raises(docs.DocumentationError, match="before signing"):
        docs.sign_record(session, visit.id, actor=user, now=at(5))
    run_the_ramp(session, user, visit)
    docs.end_infusion(session, visit.id, at(340), Decimal(800), actor=user, now=at(341))
    with pytest.raises(docs.DocumentationError, match="before the end"):
        docs.observation_done(session, visit.id, at(300), actor=user, now=at(371))
    docs.observation_done(session, visit.id, at(370), actor=user, now=at(371))
    docs.sign_record(session, visit.id, actor=user, now=at(372))
    for attempt in (
        lambda: docs.record_vitals(session, visit.id, "post_observation", at(372), {"pulse_bpm": 70}, actor=user, now=at(373)),
        lambda: docs.record_reaction(session, visit.id, at(350), "rash", "mild", "", actor=user, now=at(373)),
        lambda: docs.sign_record(session, visit.id, actor=user, now=at(373)),
    ):
        with pytest.raises(docs.DocumentationError, match="signed"):
            attempt()
    amendment = docs.add_amendment(session, visit.id, "Pulse at 14:00 was 78, not 87.", actor=user, now=at(380))
    assert (amendment.author_id, amendment.created_at) == (user.id, at(380))
    assert session.scalar(select(func.count()).select_from(Amendment)) == 1


def test_complete_visit_is_one_transaction_calling_the_completion_hook(setup, monkeypatch):
    session, user, visit = started(setup)
    calls = []
    monkeypatch.setattr(docs, "visit_changed", lambda s, v, change, *, now: calls.append((s, v.id, change, now)))
    with pytest.raises(docs.DocumentationError, match="Sign"):
        docs.complete_visit(session, visit.id, actor=user, now=at(5))
    assert calls == []
    run_the_ramp(session, user, visit)
    docs.end_infusion(session, visit.id, at(340), Decimal(800), actor=user, now=at(341))
    docs.observation_done(session, visit.id, at(370), actor=user, now=at(371))
    docs.sign_record(session, visit.id, actor=user, now=at(372))
    docs.complete_visit(session, visit.id, actor=user, now=at(373))
    assert visit.status == "completed"
    assert calls == [(session, visit.id, "completed", at(373))]
    assert session.in_transaction()  # the operation flushed and left the commit to its caller


def test_another_nurse_gets_not_found_and_a_coordinator_may_not_document(setup):
    session, user, visit = setup
    other, _ = nurse_login(session)
    with pytest.raises(NotFound):
        docs.start_infusion(session, visit.id, at(0), actor=other, now=at(1))
    with pytest.raises(AccessDenied):
        docs.start_infusion(session, visit.id, at(0), actor=make_user(session, role="coordinator"), now=at(1))
    assert session.scalar(select(func.count()).select_from(RateChange)) == 0
    assert session.scalar(select(func.count()).select_from(VitalSigns)) == 0
