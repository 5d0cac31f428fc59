"""The day-2 platelet decision (issue 14): check the platelets after day 1, then give or
withhold day 2.

The Gamunex-C and Privigen ITP labels let the second daily dose be withheld when the platelet
count has risen adequately at 24 hours (``day2_withhold`` in products.toml). An order may ask
for "platelet check before day 2 (threshold N x10^9/L)": when day 1 is completed, a draw is
planned 24 hours after the day-1 infusion started (never after the day-2 visit), with its
reminders; once its result is in, the coordinator gives or withholds day 2 with a reason. The
threshold is the prescriber's, shown beside the result; the app suggests, the coordinator
decides. Withholding cancels the day-2 visit and its reminders in the same transaction and
starts the platelet follow-up from day 1. Every decision is audited; day 2 cannot be started
before a "give".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import InfusionRecord, LabDraw, TherapyOrder, Visit
from scheduler.operations import DomainError, NotFound
from scheduler.operations.access import record_change
from scheduler.operations.checks import require_staff

DAY2_TEST = "platelet_day2"
# "an adequate increase in platelet count is seen at 24 hours" (Gamunex-C label, ref §2.1).
LABEL_HOURS = 24
DECISIONS = ("give", "withhold")
MAX_REASON = 1000


def check_day2_request(catalog, product_id: str, indication: str, days: int, threshold: int | None) -> None:
    """An order may ask for the check only where the label offers withholding day 2."""
    if threshold is None:
        return
    rule = catalog.product(product_id).indication(indication)
    if rule.day2_withhold is None:
        offered = sorted(f"{p.name} ({name.upper()})" for p in catalog.products.values()
                         for name, r in p.indications.items() if r.day2_withhold)
        raise DomainError("A platelet check before day 2 is a label option of " + ", ".join(offered) +
                          f" only; {catalog.product(product_id).name} ({indication.upper()}) does not offer it.")
    if days < 2:
        raise DomainError("A platelet check before day 2 needs a course of at least 2 days.")


def _day(session: Session, order_id: int, number: int) -> Visit | None:
    return session.scalar(select(Visit).where(Visit.order_id == order_id, Visit.day_number == number,
                                              Visit.status != "cancelled"))


def day2_draw(session: Session, order: TherapyOrder) -> LabDraw | None:
    day1 = _day(session, order.id, 1)
    if day1 is None:
        return None
    return session.scalar(select(LabDraw).where(LabDraw.visit_id == day1.id, LabDraw.test == DAY2_TEST))


def plan_day2_check(session: Session, visit: Visit, *, now: datetime) -> LabDraw | None:
    """On completing day 1 of an order that asks for it: the draw before day 2, with its reminders."""
    from scheduler.operations.reminders import plan_draw

    order = visit.order
    if visit.day_number != 1 or order is None or order.day2_platelet_threshold is None:
        return None
    day2 = _day(session, order.id, 2)
    if day2 is None or day2.status != "booked" or day2_draw(session, order) is not None:
        return None
    started = session.scalar(select(InfusionRecord.started_at).where(InfusionRecord.visit_id == visit.id))
    due = min((started or visit.starts_at) + timedelta(hours=LABEL_HOURS), day2.starts_at)
    draw = LabDraw(patient_id=visit.patient_id, visit_id=visit.id, test=DAY2_TEST, offset_hours=LABEL_HOURS,
                   due_at=due, status="scheduled")
    session.add(draw)
    session.flush()
    plan_draw(session, draw, visit.patient, now=now)
    return draw


@dataclass(frozen=True)
class Day2Status:
    """What the coordinator sees: the draw, its result, the threshold and what it suggests."""

    order: TherapyOrder
    draw: LabDraw | None
    platelets_10e9_per_l: float | None
    threshold_10e9_per_l: int
    decision: str | None

    @property
    def suggestion(self) -> str | None:
        if self.platelets_10e9_per_l is None:
            return None
        if self.platelets_10e9_per_l >= self.threshold_10e9_per_l:
            return (f"Platelets {self.platelets_10e9_per_l:g} x10^9/L, at or above the threshold of "
                    f"{self.threshold_10e9_per_l}: the label allows withholding day 2.")
        return (f"Platelets {self.platelets_10e9_per_l:g} x10^9/L, below the threshold of "
                f"{self.threshold_10e9_per_l}: give day 2.")


def day2_status(session: Session, order: TherapyOrder) -> Day2Status | None:
    if order.day2_platelet_threshold is None:
        return None
    draw = day2_draw(session, order)
    value = draw.result.value if draw is not None and draw.result is not None else None
    return Day2Status(order, draw, value, order.day2_platelet_threshold, order.day2_decision)


def decide_day2(session: Session, order_id: int, decision: str, reason: str, *, actor, now: datetime) -> TherapyOrder:
    from scheduler.operations.labs import create_follow_up
    from scheduler.operations.visits import cancel_visit

    require_staff(actor)
    order = session.get(TherapyOrder, order_id)
    if order is None:
        raise NotFound(f"No therapy order #{order_id}.")
    status = day2_status(session, order)
    if status is None:
        raise DomainError("This order has no platelet check before day 2.")
    if order.day2_decision is not None:
        raise DomainError(f"Day 2 was already decided: {order.day2_decision}.")
    if decision not in DECISIONS:
        raise DomainError("Choose to give or to withhold day 2.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for the decision (e.g. the prescriber's instruction).")
    if len(reason) > MAX_REASON:
        raise DomainError(f"The reason is too long: at most {MAX_REASON} characters.")
    if status.platelets_10e9_per_l is None:
        raise DomainError("The day-2 platelet result is not in yet; enter it first.")
    day2 = _day(session, order.id, 2)
    if day2 is None or day2.status != "booked":
        raise DomainError("Day 2 is not booked (any more); there is nothing to decide.")
    order.day2_decision, order.day2_decision_reason = decision, reason
    order.day2_decided_by_id, order.day2_decided_at = getattr(actor, "id", None), now
    session.flush()
    record_change(session, actor, object_type="order", object_id=order.id, patient_id=order.patient_id, now=now,
                  action="day2_decision", details={"decision": decision, "reason": reason,
                                                  "platelets_10e9_per_l": status.platelets_10e9_per_l,
                                                  "threshold_10e9_per_l": status.threshold_10e9_per_l})
    if decision == "withhold":
        cancel_visit(session, day2.id, f"Day 2 withheld after the platelet check: {reason}", scope="rest",
                     actor=actor, now=now)
        day1 = _day(session, order.id, 1)
        if day1 is not None and day1.status == "completed":
            create_follow_up(session, day1, now=now)  # the course ended with day 1
    return order
