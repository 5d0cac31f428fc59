"""Safe titration rules: resume at no more than the last tolerated rate; step up one plan step
at a time, at the step interval, or say why."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.clinical import BookedPlan, PlanRequest, load_catalog, plan_course, plan_to_dict
from scheduler.clinical.remaining import PAUSE, RESUME, START, STEP_UP, RateEvent, planned_ramp_from_plan
from scheduler.clinical.titration import check_titration

T0 = datetime(2026, 11, 23, 15, tzinfo=timezone.utc)
# Octagam 10 %, 80 kg, at risk: 48 mL/hr for 30 min, 96 for 30 min, then 158 (cap).
RAMP = planned_ramp_from_plan(BookedPlan.from_dict(plan_to_dict(plan_course(
    load_catalog(), PlanRequest("octagam_10", "itp", 80, 1, 2, at_risk=True)))), 1)


def minutes(n) -> datetime:
    return T0 + timedelta(minutes=n)


def test_the_ramp_under_test():
    assert [s.rate_ml_per_hr for s in RAMP.steps] == [48, 96, 158]


def test_resume_straight_at_the_maximum_is_refused():
    events = [RateEvent(minutes(0), START, Decimal(48)), RateEvent(minutes(30), STEP_UP, Decimal(96)),
              RateEvent(minutes(60), STEP_UP, Decimal(158)), RateEvent(minutes(70), PAUSE, Decimal(0))]
    check = check_titration(RAMP, events, RESUME, Decimal(158), minutes(90))
    assert check.field == "rate_ml_per_hr" and "no more than 96 mL/hr" in check.refusal
    assert check_titration(RAMP, events, RESUME, Decimal(96), minutes(90)).refusal is None


def test_step_up_thirty_minutes_early_needs_a_reason():
    events = [RateEvent(minutes(0), START, Decimal(48))]
    check = check_titration(RAMP, events, STEP_UP, Decimal(96), minutes(0))
    assert check.field == "reason" and "15:30" in check.refusal and "30 min" in check.refusal
    accepted = check_titration(RAMP, events, STEP_UP, Decimal(96), minutes(0), "patient well, order set allows")
    assert accepted.refusal is None and accepted.early_by_min == 30
    assert check_titration(RAMP, events, STEP_UP, Decimal(96), minutes(30)).refusal is None


def test_after_a_resume_the_step_interval_counts_from_the_resume():
    events = [RateEvent(minutes(0), START, Decimal(48)), RateEvent(minutes(30), STEP_UP, Decimal(96)),
              RateEvent(minutes(40), PAUSE, Decimal(0)), RateEvent(minutes(60), RESUME, Decimal(48))]
    assert check_titration(RAMP, events, STEP_UP, Decimal(96), minutes(70)).field == "reason"
    assert check_titration(RAMP, events, STEP_UP, Decimal(96), minutes(90)).refusal is None


@settings(max_examples=80, deadline=None)
@given(paused_at_step=st.integers(0, 2), resume_rate=st.integers(1, 158), wait_min=st.integers(0, 120))
def test_a_resume_is_never_accepted_above_the_rate_before_the_one_that_was_paused(paused_at_step, resume_rate, wait_min):
    rates = [s.rate_ml_per_hr for s in RAMP.steps]
    events = [RateEvent(minutes(0), START, rates[0])]
    events += [RateEvent(minutes(30 * i), STEP_UP, rates[i]) for i in range(1, paused_at_step + 1)]
    events.append(RateEvent(minutes(30 * paused_at_step + 10), PAUSE, Decimal(0)))
    check = check_titration(RAMP, events, RESUME, Decimal(resume_rate), minutes(30 * paused_at_step + 10 + wait_min))
    tolerated = rates[paused_at_step - 1] if paused_at_step else rates[0]
    assert (check.refusal is None) == (resume_rate <= tolerated)
