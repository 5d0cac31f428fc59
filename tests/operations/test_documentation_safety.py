"""Issue 14 in the infusion record: safe titration and plausible documentation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scheduler.operations import documentation as docs
from tests.operations.test_documentation import at, setup, started  # noqa: F401 (setup is a fixture)


@pytest.fixture
def visit(setup):  # noqa: F811
    """Octagam 10 %, 80 kg at risk: 48 mL/hr for 30 min, 96 for 30 min, then 158; 800 mL; started at 0."""
    return started(setup)


def test_resume_after_a_reaction_is_refused_above_the_last_tolerated_rate(visit):
    session, user, visit = visit
    docs.record_rate_change(session, visit.id, "step_up", at(30), Decimal(96), actor=user, now=at(31))
    docs.record_rate_change(session, visit.id, "step_up", at(60), Decimal(158), actor=user, now=at(61))
    docs.record_rate_change(session, visit.id, "pause", at(70), None, "chills, rigors", actor=user, now=at(71))
    with pytest.raises(docs.DocumentationError, match="no more than 96 mL/hr") as refused:
        docs.record_rate_change(session, visit.id, "resume", at(100), Decimal(158), actor=user, now=at(101))
    assert refused.value.field == "rate_ml_per_hr"
    docs.record_rate_change(session, visit.id, "resume", at(100), Decimal(96), actor=user, now=at(101))
    # The climb back starts again at the step interval, counted from the resume.
    with pytest.raises(docs.DocumentationError, match="Say why you step up early"):
        docs.record_rate_change(session, visit.id, "step_up", at(110), Decimal(158), actor=user, now=at(111))
    docs.record_rate_change(session, visit.id, "step_up", at(130), Decimal(158), actor=user, now=at(131))


def test_step_up_before_the_step_interval_needs_a_reason_which_is_kept(visit):
    session, user, visit = visit
    with pytest.raises(docs.DocumentationError, match="steps up at 09:30") as refused:
        docs.record_rate_change(session, visit.id, "step_up", at(0), Decimal(96), actor=user, now=at(1))
    assert refused.value.field == "reason"
    change = docs.record_rate_change(session, visit.id, "step_up", at(5), Decimal(96), "tolerating well; prescriber's order",
                                     actor=user, now=at(6))
    assert change.reason == "tolerating well; prescriber's order"


# --- point 7: plausible documentation ------------------------------------------------------

def test_volume_beyond_what_the_recorded_rates_allow_is_refused(visit):
    session, user, visit = visit
    # The case: 960 mL after 1 minute (here the bag is 800 mL: 700 mL after 10 min at 48 mL/hr).
    with pytest.raises(docs.DocumentationError, match=r"more than the recorded rates allow \(8.0 mL") as refused:
        docs.end_infusion(session, visit.id, at(10), Decimal(700), "line pulled", actor=user, now=at(11))
    assert refused.value.field == "total_volume_ml"
    # Within the stated margin (10 % + 5 mL) of 8 mL it is accepted, with a reason for the short dose.
    docs.end_infusion(session, visit.id, at(10), Decimal("13.8"), "line pulled out", actor=user, now=at(11))


def test_a_short_dose_needs_a_reason_which_stays_on_the_record(visit):
    session, user, visit = visit
    with pytest.raises(docs.DocumentationError, match="less than 90 % of the 800") as refused:
        docs.end_infusion(session, visit.id, at(20), Decimal(16), actor=user, now=at(21))
    assert refused.value.field == "reason"
    docs.end_infusion(session, visit.id, at(20), Decimal(16), "chills; prescriber stopped the infusion", actor=user,
                      now=at(21))
    assert docs.rate_changes(session, visit)[-1].reason == "chills; prescriber stopped the infusion"


def test_observation_lasts_the_planned_minutes_and_sign_off_needs_vitals_and_lots(visit):
    from tests.rounds_support import make_lot

    session, user, visit = visit
    docs.end_infusion(session, visit.id, at(20), Decimal(16), "stopped", actor=user, now=at(21))
    with pytest.raises(docs.DocumentationError, match="Observation lasts 30 min .* at 09:50 at the earliest"):
        docs.observation_done(session, visit.id, at(20), actor=user, now=at(21))  # the "0 minutes after"
    docs.observation_done(session, visit.id, at(50), actor=user, now=at(51))
    with pytest.raises(docs.DocumentationError) as refused:
        docs.sign_record(session, visit.id, actor=user, now=at(52))
    assert refused.value.args[0] == ("Before signing, record vital signs before the infusion (baseline), "
                                     "vital signs at the end of the infusion and the lots used.")
    docs.record_vitals(session, visit.id, "baseline", at(-5), {"pulse_bpm": 70}, actor=user, now=at(52))
    docs.record_vitals(session, visit.id, "end", at(20), {"pulse_bpm": 74}, actor=user, now=at(52))
    with pytest.raises(docs.DocumentationError, match="record the lots used"):
        docs.sign_record(session, visit.id, actor=user, now=at(52))
    docs.record_lots_used(session, visit.id, make_lot(session).id, 1, Decimal(184), actor=user, now=at(52))
    assert docs.sign_record(session, visit.id, actor=user, now=at(53)).signed_at == at(53)


def test_lab_result_only_for_a_draw_whose_time_has_come_plotted_at_the_draw(session):
    from datetime import timedelta

    from scheduler.models import LabDraw
    from scheduler.operations import DomainError
    from scheduler.operations.labs import platelet_trend, record_result
    from tests.factories import make_user, make_visit

    coordinator = make_user(session)
    visit = make_visit(session)
    due = at(24 * 60)
    draw = LabDraw(patient_id=visit.patient_id, visit_id=visit.id, offset_hours=24, due_at=due, status="scheduled")
    session.add(draw)
    session.flush()
    with pytest.raises(DomainError, match="a result can be entered once it has been drawn"):
        record_result(session, draw.id, 45, actor=coordinator, now=due - timedelta(hours=20))
    record_result(session, draw.id, 45, actor=coordinator, now=due + timedelta(hours=5))
    assert platelet_trend(session, visit.patient_id).points == [(due, 45)]
