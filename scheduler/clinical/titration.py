"""Safe titration: how a nurse may change the pump rate after the start, checked the same way
for the pages and the API.

Labels ask for a gradual climb and, after a reaction, a lower rate: Privigen "If symptoms
subside promptly, the infusion may be resumed at a lower rate that is comfortable for the
patient"; NHS Borders "Restart Infusion, Finish at Last Tolerated Rate" and reaction orders
"Reduce the infusion to previous rate" (ivig-reference.md §5). So:

1. After a pause, the infusion resumes at no more than the last tolerated rate: the plan rate
   below the one running when it was paused (``remaining.last_tolerated_rate``). A pause
   always carries a reason and is treated as for the patient's sake.
2. A step-up goes to the plan's next rate only (no skipped step), and not before the current
   rate has run for its step interval (the plan's duration of that step, counted from when the
   rate was set, e.g. after a resume or a slow-down). An earlier step-up needs a reason.

Pure: values in, a refusal message (or None) out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from scheduler.clinical.remaining import PAUSE, RESUME, STEP_UP, PlannedRamp, RateEvent, _hold_min, last_tolerated_rate


@dataclass(frozen=True)
class TitrationCheck:
    """The outcome: ``refusal`` (a sentence, with the field it belongs to) or accepted."""

    refusal: str | None = None
    field: str | None = None
    early_by_min: Decimal | None = None  # a step-up accepted early, because a reason was given


def resume_limit_ml_per_hr(ramp: PlannedRamp, events: Sequence[RateEvent]) -> Decimal:
    return last_tolerated_rate(events, ramp)


def step_up_allowed_at(ramp: PlannedRamp, events: Sequence[RateEvent]) -> datetime | None:
    """When the running rate has completed its step interval; None at the plan's top rate."""
    running = sorted(events, key=lambda e: e.at)[-1]
    hold = _hold_min(running.rate_ml_per_hr, ramp)
    return None if hold is None else running.at + timedelta(minutes=float(hold))


def check_titration(ramp: PlannedRamp, events: Sequence[RateEvent], kind: str, rate_ml_per_hr: Decimal,
                    at: datetime, reason: str = "", *, local=lambda moment: moment.strftime("%H:%M")) -> TitrationCheck:
    ordered = sorted(events, key=lambda e: e.at)
    if kind == RESUME and ordered and ordered[-1].kind == PAUSE:
        limit = resume_limit_ml_per_hr(ramp, ordered)
        if rate_ml_per_hr > limit:
            return TitrationCheck(
                f"Resume at no more than {limit} mL/hr, the last rate tolerated before the pause; then step up "
                "one plan step at a time, at the step interval.", "rate_ml_per_hr")
    if kind == STEP_UP and ordered:
        allowed_at = step_up_allowed_at(ramp, ordered)
        if allowed_at is not None and at < allowed_at:
            early_min = Decimal((allowed_at - at).total_seconds() / 60).quantize(Decimal("1"))
            if not (reason or "").strip():
                return TitrationCheck(
                    f"{ordered[-1].rate_ml_per_hr} mL/hr has run since {local(ordered[-1].at)}; the plan steps up at "
                    f"{local(allowed_at)} ({early_min} min from {local(at)}). Say why you step up early.", "reason")
            return TitrationCheck(early_by_min=early_min)
    return TitrationCheck()
