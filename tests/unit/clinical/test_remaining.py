"""The remaining ramp after the rates actually run: volume conserved, never above the cap."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.clinical import BookedPlan, PlanRequest, load_catalog, plan_course, plan_to_dict
from scheduler.clinical.remaining import (
    PAUSE, RESUME, SLOW_DOWN, START, STEP_UP, STOP, RateEvent, infused_ml, last_tolerated_rate, plan_position,
    planned_ramp_from_plan, remaining_ramp,
)

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
CATALOG = load_catalog()


def stored_plan(product="octagam_10", weight_kg=80, dose=1, at_risk=False):
    """The plan as a booked visit stores it, read back as the pages read it."""
    return BookedPlan.from_dict(plan_to_dict(plan_course(CATALOG, PlanRequest(product, "itp", weight_kg=weight_kg, dose_g_per_kg=dose, days=2,
                                                         at_risk=at_risk))))


RAMP = planned_ramp_from_plan(stored_plan(at_risk=True), 1)  # 48 -> 96 -> 158 mL/hr, 800 mL


def at(minutes) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_the_stored_plan_gives_the_cap_in_pump_units():
    assert [s.rate_ml_per_hr for s in RAMP.steps] == [48, 96, 158]
    assert RAMP.cap_ml_per_hr == 158  # 3.3 mg/kg/min x 80 kg x 60 / 100 mg/mL = 158.4, rounded down
    assert RAMP.volume_ml == 800


def test_following_the_plan_leaves_the_plans_own_remainder():
    events = [RateEvent(at(0), START, Decimal(48)), RateEvent(at(30), STEP_UP, Decimal(96))]
    remaining = remaining_ramp(RAMP, events, at(45))
    assert remaining.infused_ml == 24 + 24
    assert not remaining.deviated
    assert [s.rate_ml_per_hr for s in remaining.steps] == [96, 158]
    assert remaining.steps[0].ends_at == at(60)  # the plan's change time
    planned_end = at(float(RAMP.steps[-1].end_min))
    assert abs((remaining.expected_end - planned_end).total_seconds()) < 60


def test_pause_resumes_at_the_last_tolerated_rate_and_ends_later():
    events = [RateEvent(at(0), START, Decimal(48)), RateEvent(at(30), STEP_UP, Decimal(96)),
              RateEvent(at(40), PAUSE, Decimal(0))]
    assert last_tolerated_rate(events, RAMP) == 48  # the plan rate below the one that was running
    remaining = remaining_ramp(RAMP, events, at(55))
    assert remaining.paused and remaining.deviated
    assert remaining.resume_rate_ml_per_hr == 48
    assert remaining.steps[0].rate_ml_per_hr == 48 and remaining.steps[0].starts_at == at(55)
    assert remaining.expected_end > at(float(RAMP.steps[-1].end_min)) + timedelta(minutes=15)


def test_slow_down_holds_then_climbs_again_to_the_cap_only():
    events = [RateEvent(at(0), START, Decimal(48)), RateEvent(at(30), STEP_UP, Decimal(96)),
              RateEvent(at(35), SLOW_DOWN, Decimal(60))]
    remaining = remaining_ramp(RAMP, events, at(40))
    rates = [s.rate_ml_per_hr for s in remaining.steps]
    assert rates == [60, 96, 158]
    assert remaining.steps[0].ends_at == at(65)  # 60 mL/hr held for the 48 mL/hr step's 30 min


def test_a_stopped_infusion_has_nothing_left_to_run():
    events = [RateEvent(at(0), START, Decimal(48)), RateEvent(at(20), STOP, Decimal(0))]
    remaining = remaining_ramp(RAMP, events, at(90))
    assert remaining.infused_ml == 16 and remaining.steps == () and remaining.expected_end is None


def test_infused_volume_never_exceeds_the_bag():
    assert infused_ml([RateEvent(at(0), START, Decimal(158))], at(24 * 60), Decimal(800)) == 800


def test_plan_position_names_the_step_and_the_next_change():
    position = plan_position(RAMP, T0, at(40))
    assert position.step_index == 1 and position.next_change_at == at(60) and position.next_rate_ml_per_hr == 158
    assert plan_position(RAMP, T0, at(-5)).before_start
    assert plan_position(RAMP, T0, at(10_000)).after_end


@st.composite
def histories(draw):
    """A start, then any sequence of step ups, slow downs, pauses and resumes at pump rates
    up to the cap, minutes apart, and a moment to look from."""
    cap = int(RAMP.cap_ml_per_hr)
    events = [RateEvent(T0, START, RAMP.steps[0].rate_ml_per_hr)]
    moment = T0
    for _ in range(draw(st.integers(0, 8))):
        moment += timedelta(minutes=draw(st.integers(1, 90)), seconds=draw(st.integers(0, 59)))
        kind = draw(st.sampled_from([STEP_UP, SLOW_DOWN, PAUSE, RESUME]))
        rate = 0 if kind == PAUSE else draw(st.integers(1, cap))
        events.append(RateEvent(moment, kind, Decimal(rate)))
    now = moment + timedelta(minutes=draw(st.integers(0, 600)))
    return events, now


@settings(max_examples=300, deadline=None)
@given(histories())
def test_infused_plus_remaining_is_the_prescribed_volume_and_no_rate_exceeds_the_cap(history):
    events, now = history
    remaining = remaining_ramp(RAMP, events, now)
    projected_ml = sum((s.volume_ml for s in remaining.steps), Decimal(0))
    assert abs(remaining.infused_ml + projected_ml - RAMP.volume_ml) <= Decimal("0.1")
    assert abs(remaining.infused_ml + remaining.remaining_ml - RAMP.volume_ml) <= Decimal("0.1")
    assert all(0 < s.rate_ml_per_hr <= RAMP.cap_ml_per_hr for s in remaining.steps)
    assert all(s.rate_ml_per_hr % RAMP.pump_resolution_ml_per_hr == 0 for s in remaining.steps)
    assert all(a.ends_at == b.starts_at for a, b in zip(remaining.steps, remaining.steps[1:]))
    if remaining.steps:
        assert remaining.expected_end == remaining.steps[-1].ends_at >= now
