"""The remaining ramp: what is still to infuse after the rates actually run, and when it ends.

A nurse deviates from the planned ramp when the patient reacts: she slows down or pauses,
then resumes at a rate the patient tolerates (Privigen label: "the infusion may be resumed
at a lower rate that is comfortable for the patient"; NHS Borders: "Restart Infusion, Finish
at Last Tolerated Rate"). From then on the booked plan's clock is wrong. This module answers,
from the stored plan and the rate history alone:

1. ``infused_ml``: the volume given so far, rate x time between recorded changes (never more
   than the day's volume: an empty bag gives nothing more).
2. ``remaining_ramp``: the rest of the day's volume as pump steps. The current rate is held
   for its plan step's duration (counted from when it was set), then the rate climbs through
   the plan's higher rates, each for its planned duration, the top one running until the
   volume is given. While paused it assumes she resumes now at the last tolerated rate.
   Every rate is clipped to the cap and rounded down to the pump resolution.

Pure: values in, frozen dataclasses out. Volumes in mL, rates in mL/hr, times aware datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from scheduler.clinical.booked import BookedPlan, PlanFormatError
from scheduler.clinical.ramp import pump_rate_ml_per_hr

STEP_UP, SLOW_DOWN, PAUSE, RESUME, START, STOP = "step_up", "slow_down", "pause", "resume", "start", "stop"
DEVIATIONS = (SLOW_DOWN, PAUSE, RESUME)
SECONDS_PER_HOUR = Decimal(3600)


@dataclass(frozen=True)
class PlannedStep:
    start_min: Decimal
    end_min: Decimal
    rate_ml_per_hr: Decimal
    volume_ml: Decimal
    cumulative_ml: Decimal
    source: str  # "label", "protocol", ... as stored with the plan
    capped_by: str | None = None

    @property
    def duration_min(self) -> Decimal:
        return self.end_min - self.start_min


@dataclass(frozen=True)
class PlannedRamp:
    """One day of a stored plan, as far as the pump is concerned."""

    steps: tuple[PlannedStep, ...]
    volume_ml: Decimal
    cap_ml_per_hr: Decimal
    cap_reason: str
    pump_resolution_ml_per_hr: Decimal


@dataclass(frozen=True)
class RateEvent:
    at: datetime
    kind: str  # START, STEP_UP, SLOW_DOWN, PAUSE, RESUME, STOP
    rate_ml_per_hr: Decimal


@dataclass(frozen=True)
class RemainingStep:
    starts_at: datetime
    ends_at: datetime
    rate_ml_per_hr: Decimal
    volume_ml: Decimal
    cumulative_ml: Decimal  # including what was infused before now


@dataclass(frozen=True)
class Remaining:
    infused_ml: Decimal
    remaining_ml: Decimal
    current_rate_ml_per_hr: Decimal
    paused: bool
    deviated: bool
    resume_rate_ml_per_hr: Decimal | None  # while paused: the rate the projection resumes at
    steps: tuple[RemainingStep, ...]
    expected_end: datetime | None  # None once the volume is given or the infusion stopped


def _dec(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def planned_ramp_from_plan(plan: BookedPlan, day_number: int) -> PlannedRamp:
    """The stored plan of one day: never recomputed from today's catalog."""
    day = plan.day(day_number)
    if day is None:
        raise PlanFormatError(f"The stored plan has no day {day_number}.")
    resolution = plan.pump_resolution_ml_per_hr
    cap_ml_per_hr = pump_rate_ml_per_hr(plan.cap_rate_mg_per_kg_min, plan.dosing_weight_kg,
                                        plan.concentration_mg_per_ml, resolution)
    steps = tuple(PlannedStep(s.start_min, s.end_min, s.rate_ml_per_hr, s.volume_ml, s.cumulative_ml, s.source,
                              s.capped_by) for s in day.steps)
    return PlannedRamp(steps, day.volume_ml, cap_ml_per_hr, plan.cap_reason, resolution)


def pump_setting(rate_ml_per_hr: Decimal, ramp: PlannedRamp) -> Decimal:
    """A rate as the pump can run it: at most the cap, rounded down to the resolution."""
    rate = min(_dec(rate_ml_per_hr), ramp.cap_ml_per_hr)
    resolution = ramp.pump_resolution_ml_per_hr
    return (rate / resolution).to_integral_value(rounding=ROUND_FLOOR) * resolution


def _hours(start: datetime, end: datetime) -> Decimal:
    return Decimal((end - start).total_seconds()) / SECONDS_PER_HOUR


def infused_ml(events: Sequence[RateEvent], now: datetime, volume_ml: Decimal) -> Decimal:
    """Rate x time between the recorded changes, up to now (or the stop), at most the volume."""
    ordered = sorted(events, key=lambda e: e.at)
    given = Decimal(0)
    for event, following in zip(ordered, [*ordered[1:], None]):
        if event.kind == STOP:
            break
        until = following.at if following is not None else now
        if until > event.at:
            given += _dec(event.rate_ml_per_hr) * _hours(event.at, until)
    return min(given, volume_ml)


def last_tolerated_rate(events: Sequence[RateEvent], ramp: PlannedRamp) -> Decimal:
    """The rate to resume at after a pause: the plan rate below the one that was running
    ("reduce the infusion to previous rate"), never below the plan's first rate unless she
    had already gone lower herself."""
    running = [e for e in sorted(events, key=lambda e: e.at) if e.rate_ml_per_hr > 0]
    first = ramp.steps[0].rate_ml_per_hr
    if not running:
        return pump_setting(first, ramp)
    at_reaction = _dec(running[-1].rate_ml_per_hr)
    lower = [s.rate_ml_per_hr for s in ramp.steps if s.rate_ml_per_hr < at_reaction]
    return pump_setting(max(lower) if lower else min(at_reaction, first), ramp)


def _hold_min(rate_ml_per_hr: Decimal, ramp: PlannedRamp) -> Decimal | None:
    """How long the plan keeps a rate before the next increase; None: until the volume is given."""
    if rate_ml_per_hr >= ramp.steps[-1].rate_ml_per_hr:
        return None
    at_or_below = [s for s in ramp.steps[:-1] if s.rate_ml_per_hr <= rate_ml_per_hr]
    return (at_or_below[-1] if at_or_below else ramp.steps[0]).duration_min


def remaining_ramp(ramp: PlannedRamp, events: Sequence[RateEvent], now: datetime) -> Remaining:
    ordered = sorted(events, key=lambda e: e.at)
    if not ordered:
        raise ValueError("the infusion has not started: no rate recorded")
    given = infused_ml(ordered, now, ramp.volume_ml)
    left = ramp.volume_ml - given
    last = ordered[-1]
    deviated = any(e.kind in DEVIATIONS for e in ordered)
    current = _dec(last.rate_ml_per_hr)
    stopped = last.kind == STOP
    paused = current == 0 and not stopped
    if stopped or left <= 0:
        return Remaining(given, max(left, Decimal(0)), Decimal(0) if stopped else current, False, deviated, None, (), None)

    resume = last_tolerated_rate(ordered, ramp) if paused else None
    rate = pump_setting(resume if paused else current, ramp)
    if rate <= 0:
        raise ValueError(f"{current} mL/hr is below the pump resolution of {ramp.pump_resolution_ml_per_hr} mL/hr")
    # The current rate keeps the clock of when it was set; a resumed one starts now.
    held_since = now if paused else last.at
    steps: list[RemainingStep] = []
    at, cumulative = now, given
    hold = _hold_min(rate, ramp)
    if hold is not None:
        hold_until = max(now, held_since + timedelta(minutes=float(hold)))
    while left > 0:
        if hold is None:
            hours = left / rate
            volume = left
        else:
            hours = min(_hours(at, hold_until), left / rate)
            volume = rate * hours
        if hours > 0:
            end = at + timedelta(seconds=float(hours * SECONDS_PER_HOUR))
            cumulative += volume
            left -= volume
            steps.append(RemainingStep(at, end, rate, volume, cumulative))
            at = end
        if left <= 0 or hold is None:
            break
        higher = [s.rate_ml_per_hr for s in ramp.steps if s.rate_ml_per_hr > rate]
        stepped = pump_setting(min(higher), ramp) if higher else rate
        if stepped <= rate:  # already at the cap: stay there until the volume is given
            hold = None
            continue
        rate, hold = stepped, _hold_min(stepped, ramp)
        if hold is not None:
            hold_until = at + timedelta(minutes=float(hold))
    return Remaining(given, ramp.volume_ml - given, current, paused, deviated, resume, tuple(steps),
                     steps[-1].ends_at if steps else None)


@dataclass(frozen=True)
class PlanPosition:
    """Where the planned ramp (anchored at a start time) says the pump should be now."""

    step_index: int | None  # None before the start or after the end
    next_change_at: datetime | None
    next_rate_ml_per_hr: Decimal | None
    before_start: bool
    after_end: bool


def plan_position(ramp: PlannedRamp, anchor: datetime, now: datetime) -> PlanPosition:
    elapsed_min = Decimal((now - anchor).total_seconds()) / 60
    if elapsed_min < 0:
        return PlanPosition(None, anchor, ramp.steps[0].rate_ml_per_hr, True, False)
    for index, step in enumerate(ramp.steps):
        if elapsed_min < step.end_min:
            following = ramp.steps[index + 1] if index + 1 < len(ramp.steps) else None
            change_at = anchor + timedelta(minutes=float(step.end_min))
            return PlanPosition(index, change_at, following.rate_ml_per_hr if following else None, False, False)
    return PlanPosition(None, None, None, False, True)


def clock(anchor: datetime, minutes: Decimal) -> datetime:
    return anchor + timedelta(minutes=float(minutes))
