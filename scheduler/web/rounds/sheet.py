"""What the visit page shows, put together from the stored plan and the record: the ramp
table on the clock, where the pump should be now, the recomputed remainder and the chart.
No database access here; the route hands in what it read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from scheduler.web.charts.infusion import Segment, step_chart
from scheduler.clinical.remaining import (
    STOP, PlannedRamp, Remaining, clock, plan_position, planned_ramp_from_plan, remaining_ramp,
)
from scheduler.clinical.vitals import vitals_flags
from scheduler.operations.documentation import Documentation, rate_events
from scheduler.operations.rounds import plan_day, stored_plan


@dataclass(frozen=True)
class RampRow:
    number: int
    starts_at: datetime
    ends_at: datetime
    rate_ml_per_hr: Decimal
    rate_mg_per_kg_min: object
    volume_ml: Decimal
    cumulative_ml: Decimal
    source: str
    capped_by: str | None
    current: bool


@dataclass(frozen=True)
class Timer:
    """The step timer: the pump rate now and the next change on the clock. Only while the
    infusion runs; before the start and after the end there is no "now" on the ramp."""

    rate_ml_per_hr: Decimal
    paused: bool
    next_at: datetime | None  # None: this rate runs until the bag is empty (or a resume while paused)
    next_rate_ml_per_hr: Decimal | None
    expected_end: datetime | None
    countdown: str = ""  # "in 12 min" as of the page's moment; the page's script keeps it ticking


def countdown_text(now: datetime, until: datetime) -> str:
    seconds = int((until - now).total_seconds())
    if seconds <= 0:
        return "(due now)"
    return f"(in {-(-seconds // 60)} min)"  # rounded up: "in 1 min" until it is due


@dataclass(frozen=True)
class Prompt:
    label: str
    done: bool


@dataclass(frozen=True)
class Sheet:
    zone: ZoneInfo
    day: dict | None
    ramp: PlannedRamp | None
    anchor: datetime | None
    anchored_to: str
    rows: list[RampRow]
    position: object
    remaining: Remaining | None
    chart: object
    prompts: list[Prompt]
    vitals_flags: dict[int, dict[str, str]]
    running: bool = False
    timer: Timer | None = None


def minutes_between(start: datetime, end: datetime) -> Decimal:
    return Decimal((end - start).total_seconds()) / 60


def visit_sheet(visit, doc: Documentation, now: datetime) -> Sheet:
    zone = ZoneInfo(visit.patient.timezone)
    day = plan_day(visit)
    flags = {v.id: vitals_flags(v) for v in doc.vitals}
    if day is None:
        return Sheet(zone, None, None, None, "", [], None, None, None, [], flags)
    plan = stored_plan(visit)
    ramp = planned_ramp_from_plan(plan, visit.day_number)
    record = doc.record
    if record is not None:
        anchor, anchored_to = record.started_at, "actual start"
    else:
        # The infusion is planned to start after the pre-infusion checks and premedication.
        anchor, anchored_to = visit.starts_at + timedelta(minutes=day["pre_infusion_min"]), "planned start"
    # "Now" belongs on the ramp only between the recorded start and end: before the start the
    # plan's clock is a forecast, after the end the pump is off whatever the plan says.
    running = record is not None and record.ended_at is None and record.started_at <= now
    position = plan_position(ramp, anchor, now)
    rows = [
        RampRow(n, clock(anchor, s.start_min), clock(anchor, s.end_min), s.rate_ml_per_hr, booked.rate_mg_per_kg_min,
                s.volume_ml, s.cumulative_ml, s.source, s.capped_by, running and position.step_index == n - 1)
        for n, (s, booked) in enumerate(zip(ramp.steps, plan.day(visit.day_number).steps), start=1)
    ]
    events = rate_events(doc.changes)
    remaining = None
    if events and record.signed_at is None:
        remaining = remaining_ramp(ramp, events, record.ended_at or now)
    chart = _chart(ramp, anchor, events, remaining, now if running else None, record)
    timer = _timer(remaining, now) if running and remaining is not None else None
    return Sheet(zone, day, ramp, anchor, anchored_to, rows, position, remaining, chart, _prompts(ramp, doc), flags,
                 running, timer)


def plain(value: Decimal | None) -> Decimal | None:
    """48.0 (a float column on PostgreSQL) shown as 48, 0.5 as 0.5, never 1.5E+2."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _timer(remaining: Remaining, now: datetime) -> Timer:
    """From the recomputed remainder, which keeps the clock of the last rate set: a step up
    not yet made shows as due now rather than silently slipping."""
    if remaining.paused:
        return Timer(Decimal(0), True, None, plain(remaining.resume_rate_ml_per_hr), None)
    steps = remaining.steps
    if steps and steps[0].rate_ml_per_hr != remaining.current_rate_ml_per_hr:
        # The planned time at this rate is over and the step up is not recorded yet.
        steps = (None, *steps)
    following = steps[1] if len(steps) > 1 else None
    next_at = (steps[0].ends_at if steps[0] else following.starts_at) if following else None  # none: bag given
    return Timer(plain(remaining.current_rate_ml_per_hr), False, next_at, plain(following.rate_ml_per_hr) if following else None,
                 remaining.expected_end, countdown_text(now, next_at) if next_at else "")


def _chart(ramp, anchor, events, remaining, now, record):
    planned = [Segment(s.start_min, s.end_min, s.rate_ml_per_hr) for s in ramp.steps]
    actual = []
    until = record.ended_at if record and record.ended_at else (now or anchor)
    for event, following in zip(events, [*events[1:], None]):
        if event.kind == STOP:
            break
        end = following.at if following else until
        if end > event.at:
            actual.append(Segment(minutes_between(anchor, event.at), minutes_between(anchor, end), event.rate_ml_per_hr))
    projected = [Segment(minutes_between(anchor, s.starts_at), minutes_between(anchor, s.ends_at), s.rate_ml_per_hr)
                 for s in (remaining.steps if remaining else ())]
    now_min = minutes_between(anchor, now) if now is not None else None
    return step_chart(planned, actual=actual, projected=projected,
                      now_min=now_min if now_min is not None and now_min >= 0 else None)


def _prompts(ramp: PlannedRamp, doc: Documentation) -> list[Prompt]:
    """Vital signs at baseline, before each planned increase, at the end and after observation
    (the organisation's practice default, ivig-reference.md §5; no label sets the timing)."""
    phases = [v.phase for v in doc.vitals]
    prompts = [Prompt("Baseline, before the start", "baseline" in phases)]
    for number, step in enumerate(ramp.steps[1:], start=1):
        prompts.append(Prompt(f"Before the increase to {step.rate_ml_per_hr} mL/hr",
                              phases.count("before_increase") >= number))
    prompts += [Prompt("At the end of the infusion", "end" in phases),
                Prompt("After the observation", "post_observation" in phases)]
    return prompts
