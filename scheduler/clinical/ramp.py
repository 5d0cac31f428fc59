"""The infusion-rate ramp: from the label's rates to pump settings for one patient and day.

Read top to bottom, it does what the nurse would do with the label in hand:

1. ``rate_schedule``: the rates in mg/kg/min and how long each runs. Label steps where the
   label lists them (Octagam 10 %), the label's own rule where it gives one (Bivigam: +0.8
   every 20 min), otherwise the protocol: the label's initial rate, then the rate multiplied
   by the protocol factor (x2) every step interval (the label's, e.g. 15 min, else the
   protocol's 30 min), the last step clipped to the label maximum.
2. ``applicable_cap``: the highest rate allowed for this patient: the label maximum for the
   indication; for a patient at renal, thrombotic or cardiac risk the label's at-risk maximum,
   or the protocol's at-risk cap where the label says only "minimum infusion rate practicable".
3. ``build_ramp``: every rate clipped to the cap (here and nowhere else), converted to the
   pump's mL/hr and rounded DOWN to the pump resolution, then run step by step until the day's
   volume is given; the step where the volume ends is cut short.
4. ``check_ramp``: the finished ramp is checked again against the cap and the volume, so a
   bug anywhere above raises instead of reaching a nurse.

Arithmetic is in ``Decimal`` so volumes add up exactly:
    rate_ml_per_hr = rate_mg_per_kg_min x weight_kg x 60 / concentration_mg_per_ml
    volume_ml      = rate_ml_per_hr x duration_min / 60
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from scheduler.clinical.catalog import IndicationRule
from scheduler.clinical.errors import ClinicalRuleViolation, RampInvariantError
from scheduler.clinical.protocol import RampProtocol

LABEL = "label"
PROTOCOL = "protocol"
LABEL_RATE_PROTOCOL_DURATION = "label rate, protocol duration"
# No label ramp has more than a dozen steps; a longer schedule means bad data, not a ramp.
MAX_SCHEDULE_STEPS = 50
# Volumes are exact Decimals; this only absorbs the last digit of a division by the rate.
VOLUME_TOLERANCE_ML = Decimal("0.000001")


@dataclass(frozen=True)
class ScheduledRate:
    """One rate of the schedule, before it is fitted to a patient."""

    rate_mg_per_kg_min: Decimal
    duration_min: int | None  # None: runs until the day's volume is given
    source: str  # LABEL, PROTOCOL or LABEL_RATE_PROTOCOL_DURATION


@dataclass(frozen=True)
class RateCap:
    """The highest rate allowed for this patient, and where that limit comes from."""

    rate_mg_per_kg_min: Decimal
    reason: str  # "label maximum", "at-risk maximum (label)", "at-risk cap (protocol)"
    source: str
    label_max_rate_mg_per_kg_min: Decimal

    @property
    def lowered_by_risk(self) -> bool:
        return self.rate_mg_per_kg_min < self.label_max_rate_mg_per_kg_min


@dataclass(frozen=True)
class RampStep:
    start_min: Decimal
    end_min: Decimal
    rate_mg_per_kg_min: Decimal
    rate_ml_per_hr: Decimal
    volume_ml: Decimal
    cumulative_ml: Decimal
    source: str
    capped_by: str | None = None  # the cap's reason when the schedule wanted a higher rate

    @property
    def duration_min(self) -> Decimal:
        return self.end_min - self.start_min


def rate_schedule(rule: IndicationRule, protocol: RampProtocol) -> tuple[ScheduledRate, ...]:
    """The indication's rates in mg/kg/min, climbing from the initial rate to the label maximum."""
    initial = rule.initial_rate_mg_per_kg_min.value
    maximum = rule.max_rate_mg_per_kg_min.value
    if rule.steps:
        # The label lists its steps; after the last one it allows up to its maximum.
        listed = [ScheduledRate(s.rate_mg_per_kg_min, s.duration_min, LABEL) for s in rule.steps.value]
        return (*listed, ScheduledRate(maximum, None, LABEL))
    if rule.initial_min:
        initial_min, first_source = rule.initial_min.value, LABEL
    else:
        initial_min, first_source = protocol.initial_min, LABEL_RATE_PROTOCOL_DURATION
    schedule = [ScheduledRate(initial, initial_min, first_source)]
    if rule.step_increment_mg_per_kg_min:
        # The label's own rule, e.g. "increase every 20 minutes by 0.8 mg/kg/min up to 6".
        increment = rule.step_increment_mg_per_kg_min.value
        step_min, source = rule.step_min.value, LABEL
        next_rate = lambda rate: rate + increment  # noqa: E731
    else:
        # "Increase gradually": the protocol's factor, every label interval if it gives one.
        step_min = rule.step_min.value if rule.step_min else protocol.step_min
        source = PROTOCOL
        next_rate = lambda rate: rate * protocol.step_factor  # noqa: E731
    rate = initial
    while len(schedule) < MAX_SCHEDULE_STEPS:
        rate = next_rate(rate)
        if rate >= maximum:
            schedule.append(ScheduledRate(maximum, None, source))
            return tuple(schedule)
        schedule.append(ScheduledRate(rate, step_min, source))
    raise RampInvariantError(f"{rule.product_id}/{rule.indication}: schedule does not reach the maximum")


def applicable_cap(rule: IndicationRule, protocol: RampProtocol, *, at_risk: bool) -> RateCap:
    label_max = rule.max_rate_mg_per_kg_min
    cap = RateCap(label_max.value, "label maximum", label_max.source, label_max.value)
    if not at_risk:
        return cap
    if rule.at_risk_max_rate_mg_per_kg_min:
        risk = RateCap(rule.at_risk_max_rate_mg_per_kg_min.value, "at-risk maximum (label)",
                       rule.at_risk_max_rate_mg_per_kg_min.source, label_max.value)
    else:
        risk = RateCap(protocol.at_risk_max_rate_mg_per_kg_min, "at-risk cap (protocol)", protocol.source, label_max.value)
    # Whichever is lower: a protocol cap can never lift the label maximum.
    return risk if risk.rate_mg_per_kg_min < cap.rate_mg_per_kg_min else cap


def pump_rate_ml_per_hr(
    rate_mg_per_kg_min: Decimal, weight_kg: Decimal, concentration_mg_per_ml: Decimal, resolution_ml_per_hr: Decimal
) -> Decimal:
    """mg/kg/min -> mL/hr, rounded DOWN to what the pump can be set to (never above the rate)."""
    exact = rate_mg_per_kg_min * weight_kg * 60 / concentration_mg_per_ml
    return (exact / resolution_ml_per_hr).to_integral_value(rounding=ROUND_FLOOR) * resolution_ml_per_hr


def build_ramp(
    schedule: tuple[ScheduledRate, ...],
    cap: RateCap,
    *,
    weight_kg: Decimal,
    concentration_mg_per_ml: Decimal,
    volume_ml: Decimal,
    pump_resolution_ml_per_hr: Decimal,
) -> tuple[RampStep, ...]:
    steps: list[RampStep] = []
    start_min = Decimal(0)
    given_ml = Decimal(0)
    for scheduled, capped_by in _clip_to_cap(schedule, cap):
        rate_ml_per_hr = pump_rate_ml_per_hr(
            scheduled.rate_mg_per_kg_min, weight_kg, concentration_mg_per_ml, pump_resolution_ml_per_hr
        )
        if rate_ml_per_hr <= 0:
            raise ClinicalRuleViolation(
                "pump_rate_below_resolution",
                f"{scheduled.rate_mg_per_kg_min} mg/kg/min for {weight_kg} kg is below the pump resolution of "
                f"{pump_resolution_ml_per_hr} mL/hr; plan with a finer pump resolution",
            )
        remaining_ml = volume_ml - given_ml
        if scheduled.duration_min is None or rate_ml_per_hr * scheduled.duration_min / 60 >= remaining_ml:
            # The day's volume ends during this step: it runs only as long as needed.
            duration_min, step_ml = remaining_ml * 60 / rate_ml_per_hr, remaining_ml
        else:
            duration_min = Decimal(scheduled.duration_min)
            step_ml = rate_ml_per_hr * duration_min / 60
        given_ml += step_ml
        steps.append(RampStep(
            start_min=start_min,
            end_min=start_min + duration_min,
            rate_mg_per_kg_min=scheduled.rate_mg_per_kg_min,
            rate_ml_per_hr=rate_ml_per_hr,
            volume_ml=step_ml,
            cumulative_ml=given_ml,
            source=scheduled.source,
            capped_by=capped_by,
        ))
        start_min += duration_min
        if given_ml >= volume_ml:
            break
    ramp = tuple(steps)
    check_ramp(ramp, cap, weight_kg=weight_kg, concentration_mg_per_ml=concentration_mg_per_ml,
               volume_ml=volume_ml, pump_resolution_ml_per_hr=pump_resolution_ml_per_hr)
    return ramp


def _clip_to_cap(schedule: tuple[ScheduledRate, ...], cap: RateCap) -> list[tuple[ScheduledRate, str | None]]:
    """The one place rates meet the cap: the first rate at or above it becomes the last step.

    Every later rate would be clipped to the same value, so they merge into one step at the
    cap that runs until the volume is given.
    """
    clipped = []
    for index, scheduled in enumerate(schedule):
        if scheduled.rate_mg_per_kg_min >= cap.rate_mg_per_kg_min or scheduled.duration_min is None:
            wanted = max(s.rate_mg_per_kg_min for s in schedule[index:])
            capped_by = cap.reason if wanted > cap.rate_mg_per_kg_min else None
            rate = min(scheduled.rate_mg_per_kg_min, cap.rate_mg_per_kg_min)
            clipped.append((ScheduledRate(rate, None, scheduled.source), capped_by))
            return clipped
        clipped.append((scheduled, None))
    return clipped


def check_ramp(
    steps: tuple[RampStep, ...],
    cap: RateCap,
    *,
    weight_kg: Decimal,
    concentration_mg_per_ml: Decimal,
    volume_ml: Decimal,
    pump_resolution_ml_per_hr: Decimal,
) -> None:
    """Independent final check; raises RampInvariantError (a bug) rather than return a bad ramp."""
    cap_ml_per_hr = cap.rate_mg_per_kg_min * weight_kg * 60 / concentration_mg_per_ml
    problems = []
    if not steps:
        problems.append("no steps")
    previous_rate, previous_end = Decimal(0), Decimal(0)
    for number, step in enumerate(steps, start=1):
        if step.rate_mg_per_kg_min > cap.rate_mg_per_kg_min or step.rate_ml_per_hr > cap_ml_per_hr:
            problems.append(f"step {number} rate {step.rate_ml_per_hr} mL/hr is above the cap {cap_ml_per_hr}")
        if step.rate_ml_per_hr <= 0 or step.rate_ml_per_hr % pump_resolution_ml_per_hr != 0:
            problems.append(f"step {number} rate {step.rate_ml_per_hr} mL/hr is not a pump setting")
        if step.rate_ml_per_hr < previous_rate:
            problems.append(f"step {number} rate decreases")
        if step.start_min != previous_end or step.end_min <= step.start_min:
            problems.append(f"step {number} does not follow the previous step")
        if abs(step.volume_ml - step.rate_ml_per_hr * step.duration_min / 60) > VOLUME_TOLERANCE_ML:
            problems.append(f"step {number} volume does not match rate x time")
        previous_rate, previous_end = step.rate_ml_per_hr, step.end_min
    given_ml = sum((step.volume_ml for step in steps), Decimal(0))
    if abs(given_ml - volume_ml) > VOLUME_TOLERANCE_ML:
        problems.append(f"steps give {given_ml} mL, the day's volume is {volume_ml} mL")
    if problems:
        raise RampInvariantError("; ".join(problems))
