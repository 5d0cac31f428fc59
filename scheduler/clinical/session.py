"""Visit length: pre-infusion + infusion + observation, from the organisation's settings.

- Pre-infusion (default 30 min): assessment, IV access, the premedication wait.
- Infusion: the ramp's running time, rounded UP to 0.1 min so a booked visit is never
  shorter than the infusion.
- Observation (default 30 min): 60 min after a first infusion or a product switch, because
  labels ask new and switched patients to be watched most closely (ivig-reference.md §5).

A visit longer than the maximum session (default 6 h) is not refused: the plan warns and
suggests splitting the dose over more days.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from scheduler.clinical.protocol import Settings
from scheduler.clinical.ramp import RampStep

MINUTE_STEP = Decimal("0.1")


@dataclass(frozen=True)
class VisitLength:
    pre_infusion_min: int
    infusion_min: Decimal
    observation_min: int

    @property
    def visit_min(self) -> Decimal:
        return self.pre_infusion_min + self.infusion_min + self.observation_min


def infusion_min(steps: tuple[RampStep, ...]) -> Decimal:
    return round_up_minutes(steps[-1].end_min)


def round_up_minutes(minutes: Decimal) -> Decimal:
    return minutes.quantize(MINUTE_STEP, rounding=ROUND_CEILING)


def visit_length(infusion: Decimal, settings: Settings, *, first_infusion: bool, product_switch: bool) -> VisitLength:
    observation = settings.observation_first_infusion_min if first_infusion or product_switch else settings.observation_min
    return VisitLength(settings.pre_infusion_min, infusion, observation)
