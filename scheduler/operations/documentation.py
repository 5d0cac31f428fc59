"""The infusion record: start, vitals, rate changes, reactions, lots, end, observation, sign.

Only the visit's own nurse documents; a coordinator reads these pages but writes nothing
here (the record is the nurse's professional statement). Every function checks the actor's
access, refuses bad input with a message fit for the form (DocumentationError) before
touching a row, audits the change, flushes and never commits: the view commits once, so a
refused entry leaves everything recorded earlier as it was.

Rows are appended, never edited. Once signed the record is immutable; a correction is an
Amendment with its author and time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.clinical import BookedPlan, PlanFormatError
from scheduler.clinical.remaining import (
    PAUSE, RESUME, SLOW_DOWN, STEP_UP, STOP, PlannedRamp, RateEvent, infused_ml, planned_ramp_from_plan, pump_setting,
)
from scheduler.clinical.titration import check_titration
from scheduler.clinical.vitals import check_vitals
from scheduler.models import Amendment, InfusionRecord, LotUsage, RateChange, Reaction, VialLot, VitalSigns, Visit
from scheduler.models.documentation import REACTION_SEVERITIES, VITALS_PHASES
from scheduler.operations import AccessDenied, DomainError
from scheduler.operations.access import record_change, require_visit_access
from scheduler.operations.visits import visit_changed

# A phone's clock and the server's may differ by a few minutes; a time further ahead than
# this is a typing error, not a skewed clock.
FUTURE_TOLERANCE = timedelta(minutes=5)
# Documentation belongs to the visit's day: a time half a day before the booked start is a
# wrong date, not an early arrival.
EARLIEST_BEFORE_BOOKED = timedelta(hours=12)
NURSE_KINDS = (STEP_UP, SLOW_DOWN, PAUSE, RESUME)
# A reason is required when the nurse leaves the plan for the patient's sake.
KINDS_NEEDING_REASON = (SLOW_DOWN, PAUSE)
MAX_TEXT = 4000
# Plausibility of the volume at the end (issue 14). A pump's volume-infused reading can run a
# little ahead of rate x time (priming, rounding of the shown rates), so the reading may exceed
# what the recorded rates allow by this margin; beyond it a rate change went unrecorded or the
# reading is mistyped. This is the organisation's documentation rule, not a label value.
VOLUME_MARGIN_PCT = Decimal("10")
VOLUME_MARGIN_ML = Decimal("5")
# A volume below this share of the day's planned volume is an incomplete dose: it needs a reason.
MIN_DOSE_SHARE_PCT = Decimal("90")
# Vital signs the record needs before sign-off: before the infusion and at its end ("obtain
# baseline vital signs prior to the start of each immunoglobulin infusion and upon completion
# of each infusion", infusion-pharmacy order set, ivig-reference.md §5).
REQUIRED_VITALS_PHASES = {"baseline": "before the infusion (baseline)", "end": "at the end of the infusion"}


class DocumentationError(DomainError):
    """The entry is refused; field names the form field the message belongs to, if any."""

    def __init__(self, message: str, field: str | None = None, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.field = field
        self.errors = errors or ({field: message} if field else {})


def documenting_visit(session: Session, visit_id: int, *, actor, now: datetime) -> Visit:
    """The visit, if the actor is its nurse; a coordinator is refused, others get NotFound."""
    if getattr(actor, "role", None) != "nurse":
        raise AccessDenied("Documentation is written by the visit's nurse; coordinators can view it only.")
    return require_visit_access(session, actor, visit_id, now=now)  # a nurse: only her own visits


def infusion_record(session: Session, visit: Visit) -> InfusionRecord | None:
    return session.scalar(select(InfusionRecord).where(InfusionRecord.visit_id == visit.id))


def rate_changes(session: Session, visit: Visit) -> list[RateChange]:
    return list(session.scalars(select(RateChange).where(RateChange.visit_id == visit.id).order_by(RateChange.at, RateChange.id)))


def rate_events(changes: list[RateChange]) -> list[RateEvent]:
    return [RateEvent(c.at, c.kind, Decimal(str(c.rate_ml_per_hr))) for c in changes]


def booked_plan(visit: Visit) -> BookedPlan:
    try:
        plan = BookedPlan.from_dict(visit.plan)
    except PlanFormatError:
        plan = None
    if plan is None or plan.day(visit.day_number) is None:
        raise DocumentationError("This visit has no stored plan; ask the coordinator to rebook it.")
    return plan


def planned_ramp(visit: Visit) -> PlannedRamp:
    return planned_ramp_from_plan(booked_plan(visit), visit.day_number)


def _local(visit: Visit, at: datetime) -> str:
    return at.astimezone(ZoneInfo(visit.patient.timezone)).strftime("%H:%M")


def _check_time(visit: Visit, at: datetime, now: datetime, field: str, *, not_before: datetime | None = None,
                what: str = "the start") -> None:
    if at > now + FUTURE_TOLERANCE:
        raise DocumentationError(f"{_local(visit, at)} is in the future; enter the time it happened.", field)
    if at < visit.starts_at - EARLIEST_BEFORE_BOOKED:
        raise DocumentationError("That time is not on the day of this visit; check the date.", field)
    if not_before is not None and at < not_before:
        raise DocumentationError(f"{_local(visit, at)} is before {what} ({_local(visit, not_before)}).", field)


def _open_record(session: Session, visit: Visit, *, running: bool = True) -> InfusionRecord:
    record = infusion_record(session, visit)
    if record is None:
        raise DocumentationError("Start the infusion first.")
    if record.signed_at is not None:
        raise DocumentationError("The record is signed and cannot change; add an amendment instead.")
    if running and record.ended_at is not None:
        raise DocumentationError("The infusion has ended; add an amendment to correct it.")
    return record


def _audit(session, actor, visit: Visit, action: str, now: datetime, **details) -> None:
    record_change(session, actor, object_type="visit", object_id=visit.id, patient_id=visit.patient_id, now=now,
                  action=action, details={k: str(v) for k, v in details.items()})


def start_infusion(session: Session, visit_id: int, started_at: datetime, *, actor, now: datetime) -> InfusionRecord:
    visit = documenting_visit(session, visit_id, actor=actor, now=now)
    ramp = planned_ramp(visit)
    if infusion_record(session, visit) is not None:
        raise DocumentationError("The infusion was already started.")
    if visit.status != "booked":
        raise DocumentationError(f"This visit is {visit.status.replace('_', ' ')}.")
    _refuse_unsafe_start(visit)
    _check_time(visit, started_at, now, "at")
    record = InfusionRecord(visit_id=visit.id, started_at=started_at)
    first_rate = ramp.steps[0].rate_ml_per_hr
    session.add_all([record, RateChange(visit_id=visit.id, at=started_at, kind="start", rate_ml_per_hr=float(first_rate),
                                        reason="planned first step", recorded_by_id=actor.id)])
    visit.status, visit.version = "in_progress", visit.version + 1
    session.flush()
    _audit(session, actor, visit, "infusion_start", now, started_at=started_at.isoformat(), rate_ml_per_hr=first_rate)
    return record


def _refuse_unsafe_start(visit: Visit) -> None:
    """Hard stops re-checked at start against the patient as he now is, whatever path changed him."""
    if visit.needs_replan_reason:
        raise DocumentationError(f"Do not start: this visit needs re-planning ({visit.needs_replan_reason}) "
                                 "Call the coordinator.")
    order = visit.order
    if visit.day_number == 2 and order.day2_platelet_threshold is not None and order.day2_decision != "give":
        raise DocumentationError("Do not start: this order asks for a platelet check before day 2, and the coordinator "
                                 "has not decided to give day 2 yet. Call the coordinator.")
    plan, patient = booked_plan(visit), visit.patient
    if patient.iga_status == "deficient_with_antibodies" and not plan.iga_deficient_with_antibodies:
        raise DocumentationError("Do not start: the patient is now recorded IgA-deficient with anti-IgA antibodies, "
                                 "after this plan was made. Call the coordinator.")
    if patient.at_risk and not plan.at_risk:
        raise DocumentationError("Do not start: the patient now has a renal, thrombotic or cardiac risk flag that this "
                                 "plan's rate cap does not account for. Call the coordinator.")


def record_vitals(session: Session, visit_id: int, phase: str, taken_at: datetime, values: dict, *, actor,
                  now: datetime) -> tuple[VitalSigns, dict[str, str]]:
    """Store a reading; returns it with its highlights (possible but out of the usual range)."""
    visit = documenting_visit(session, visit_id, actor=actor, now=now)
    if phase not in VITALS_PHASES:
        raise DocumentationError(f"Unknown moment {phase!r}.", "phase")
    check = check_vitals(values)
    if check.errors:
        first = next(iter(check.errors.values()))
        raise DocumentationError(first, errors={k: v for k, v in check.errors.items() if k != "__all__"})
    record = infusion_record(session, visit)
    if record is not None and record.signed_at is not None:
        raise DocumentationError("The record is signed and cannot change; add an amendment instead.")
    if phase != "baseline" and record is None:
        raise DocumentationError("Only baseline vital signs can be recorded before the infusion starts.", "phase")
    _check_time(visit, taken_at, now, "taken_at", not_before=record.started_at if record and phase != "baseline" else None)
    row = VitalSigns(visit_id=visit.id, taken_at=taken_at, phase=phase, recorded_by_id=actor.id,
                     **{k: v for k, v in values.items() if v is not None})
    session.add(row)
    session.flush()
    _audit(session, actor, visit, "vitals", now, phase=phase, flags=",".join(sorted(check.flags)))
    return row, check.flags


def record_rate_change(session: Session, visit_id: int, kind: str, at: datetime, rate_ml_per_hr: Decimal | None,
                       reason: str = "", *, actor, now: datetime) -> RateChange:
    visit = documenting_visit(session, visit_id, actor=actor, now=now)
    ramp = planned_ramp(visit)
    record = _open_record(session, visit)
    if kind not in NURSE_KINDS:
        raise DocumentationError(f"Unknown rate change {kind!r}.", "kind")
    reason = (reason or "").strip()
    if kind in KINDS_NEEDING_REASON and not reason:
        raise DocumentationError("Say why (the reaction or the patient's request).", "reason")
    history = rate_changes(session, visit)
    last = history[-1]
    _check_time(visit, at, now, "at", not_before=record.started_at)
    if at < last.at:
        raise DocumentationError(f"{_local(visit, at)} is before the last recorded change ({_local(visit, last.at)}); "
                                 "record changes in order, or add an amendment.", "at")
    current = Decimal(str(last.rate_ml_per_hr))
    rate = Decimal(0) if kind == PAUSE else _pump_rate(rate_ml_per_hr, ramp)
    _check_kind(kind, rate, current, ramp)
    titration = check_titration(ramp, rate_events(history), kind, rate, at, reason, local=lambda t: _local(visit, t))
    if titration.refusal:
        raise DocumentationError(titration.refusal, titration.field)
    change = RateChange(visit_id=visit.id, at=at, kind=kind, rate_ml_per_hr=float(rate), reason=reason[:MAX_TEXT],
                        recorded_by_id=actor.id)
    session.add(change)
    session.flush()
    _audit(session, actor, visit, f"rate_{kind}", now, at=at.isoformat(), rate_ml_per_hr=rate)
    return change


def _pump_rate(rate_ml_per_hr: Decimal | None, ramp: PlannedRamp) -> Decimal:
    if rate_ml_per_hr is None or not rate_ml_per_hr > 0:
        raise DocumentationError("Enter the new pump rate in mL/hr.", "rate_ml_per_hr")
    rate = Decimal(str(rate_ml_per_hr))
    if rate > ramp.cap_ml_per_hr:
        raise DocumentationError(f"{rate} mL/hr is above this patient's maximum of {ramp.cap_ml_per_hr} mL/hr "
                                 f"({ramp.cap_reason}).", "rate_ml_per_hr")
    if pump_setting(rate, ramp) != rate or rate <= 0:
        raise DocumentationError(f"The pump is set in steps of {ramp.pump_resolution_ml_per_hr} mL/hr.", "rate_ml_per_hr")
    return rate


def _check_kind(kind: str, rate: Decimal, current: Decimal, ramp: PlannedRamp) -> None:
    if kind == RESUME and current != 0:
        raise DocumentationError("The infusion is running; resume follows a pause.", "kind")
    if kind in (PAUSE, SLOW_DOWN) and current == 0:
        raise DocumentationError("The infusion is paused; resume it first.", "kind")
    if kind == SLOW_DOWN and rate >= current:
        raise DocumentationError(f"Slowing down means below the current {current} mL/hr.", "rate_ml_per_hr")
    if kind == STEP_UP:
        if current == 0:
            raise DocumentationError("The infusion is paused; resume it first.", "kind")
        higher = [s.rate_ml_per_hr for s in ramp.steps if s.rate_ml_per_hr > current]
        if rate <= current:
            raise DocumentationError(f"Stepping up means above the current {current} mL/hr.", "rate_ml_per_hr")
        if higher and rate > min(higher):
            raise DocumentationError(f"The plan's next rate after {current} mL/hr is {min(higher)} mL/hr; "
                                     "a step up cannot skip a step.", "rate_ml_per_hr")


def record_reaction(session: Session, visit_id: int, at: datetime, reaction_type: str, severity: str,
                    action_taken: str, *, actor, now: datetime) -> Reaction:
    visit = documenting_visit(session, visit_id, actor=actor, now=now)
    record = _open_record(session, visit, running=False)
    reaction_type = (reaction_type or "").strip()
    if not reaction_type:
        raise DocumentationError("Name the reaction (e.g. headache, chills, rash).", "reaction_type")
    if severity not in REACTION_SEVERITIES:
        raise DocumentationError("Choose mild, moderate or severe.", "severity")
    _check_time(visit, at, now, "at", not_before=record.started_at)
    row = Reaction(visit_id=visit.id, at=at, reaction_type=reaction_type[:60], severity=severity,
                   action_taken=(action_taken or "").strip()[:MAX_TEXT], recorded_by_id=actor.id)
    session.add(row)
    session.flush()
    _audit(session, actor, visit, "reaction", now, severity=severity)
    return row


def record_lots_used(session: Session, visit_id: int, lot_id: int, vials_used: int, waste_ml: Decimal, *, actor,
                     now: datetime) -> LotUsage:
    """Vials of one lot given to the patient, the last one's unused part as waste; the stock
    goes down in the same transaction."""
    visit = documenting_visit(session, visit_id, actor=actor, now=now)
    _open_record(session, visit, running=False)
    # Locked on PostgreSQL so two visits taking the last vials of a lot cannot both succeed.
    lot = session.scalar(select(VialLot).where(VialLot.id == lot_id).with_for_update(key_share=True))
    if lot is None or lot.product_id != booked_plan(visit).product_id:
        raise DocumentationError("Choose a lot of this visit's product.", "lot_id")
    if lot.expiry_date <= visit.starts_at.astimezone(ZoneInfo(visit.patient.timezone)).date():
        raise DocumentationError(f"Lot {lot.lot_number} expired on {lot.expiry_date.isoformat()}; do not use it.", "lot_id")
    if not vials_used or vials_used < 1:
        raise DocumentationError("Enter how many vials of this lot were used.", "vials_used")
    if vials_used > lot.quantity:
        raise DocumentationError(f"Stock shows only {lot.quantity} vial(s) of lot {lot.lot_number}; check the lot number.",
                                 "vials_used")
    waste = Decimal(str(waste_ml or 0))
    vial_ml = Decimal(str(lot.size_g)) * 1000 / booked_plan(visit).concentration_mg_per_ml
    if waste < 0 or waste > vial_ml * vials_used:
        raise DocumentationError(f"Waste must be between 0 and {vial_ml.normalize()} mL per vial of this lot.", "waste_ml")
    usage = LotUsage(visit_id=visit.id, lot_id=lot.id, vials_used=vials_used, waste_ml=float(waste), recorded_by_id=actor.id)
    lot.quantity -= vials_used
    session.add(usage)
    session.flush()
    _audit(session, actor, visit, "lots_used", now, lot=lot.lot_number, vials=vials_used, waste_ml=waste)
    return usage


def end_infusion(session: Session, visit_id: int, ended_at: datetime, total_volume_ml: Decimal, reason: str = "", *,
                 actor, now: datetime) -> InfusionRecord:
    visit = documenting_visit(session, visit_id, actor=actor, now=now)
    ramp = planned_ramp(visit)
    record = _open_record(session, visit)
    history = rate_changes(session, visit)
    last = history[-1]
    _check_time(visit, ended_at, now, "ended_at", not_before=max(record.started_at + timedelta(minutes=1), last.at),
                what="the start or the last rate change")
    volume = Decimal(str(total_volume_ml)) if total_volume_ml is not None else None
    if volume is None or volume < 0:
        raise DocumentationError("Enter the volume infused, as the pump shows it.", "total_volume_ml")
    if volume > ramp.volume_ml:
        raise DocumentationError(f"{volume} mL is more than this visit's bag ({ramp.volume_ml} mL planned); "
                                 "check the pump's volume-infused reading.", "total_volume_ml")
    _check_volume_plausible(visit, history, ended_at, volume)
    reason = (reason or "").strip()
    short = volume < ramp.volume_ml * MIN_DOSE_SHARE_PCT / 100
    if short and not reason:
        raise DocumentationError(
            f"{volume} mL is less than {MIN_DOSE_SHARE_PCT.normalize():f} % of the {ramp.volume_ml} mL planned: "
            "say why the dose is incomplete (stopped for a reaction, line lost, ...).", "reason")
    record.ended_at, record.total_volume_ml = ended_at, float(volume)
    session.add(RateChange(visit_id=visit.id, at=ended_at, kind=STOP, rate_ml_per_hr=0,
                           reason=reason[:MAX_TEXT] if reason else "infusion ended", recorded_by_id=actor.id))
    session.flush()
    _audit(session, actor, visit, "infusion_end", now, ended_at=ended_at.isoformat(), total_volume_ml=volume)
    return record


def _check_volume_plausible(visit: Visit, history: list[RateChange], ended_at: datetime, volume: Decimal) -> None:
    """The pump cannot have given more than the recorded rates allow over the elapsed time."""
    possible = infused_ml(rate_events(history), ended_at, Decimal("Infinity"))
    allowed = possible * (1 + VOLUME_MARGIN_PCT / 100) + VOLUME_MARGIN_ML
    if volume > allowed:
        minutes = int((ended_at - history[0].at).total_seconds() // 60)
        raise DocumentationError(
            f"{volume} mL in {minutes} min is more than the recorded rates allow ({possible.quantize(Decimal('0.1'))} mL; "
            f"accepted up to {VOLUME_MARGIN_PCT.normalize():f} % + {VOLUME_MARGIN_ML.normalize():f} mL more). "
            "Record the rate changes that were made, or check the pump's volume-infused reading and the end time.",
            "total_volume_ml")


def observation_done(session: Session, visit_id: int, at: datetime, *, actor, now: datetime) -> InfusionRecord:
    visit = documenting_visit(session, visit_id, actor=actor, now=now)
    record = _open_record(session, visit, running=False)
    if record.ended_at is None:
        raise DocumentationError("End the infusion first; observation follows it.")
    if record.observation_done_at is not None:
        raise DocumentationError("Observation was already recorded as done.")
    _check_time(visit, at, now, "at", not_before=record.ended_at, what="the end of the infusion")
    planned_min = _planned_observation_min(visit)
    if planned_min and at < record.ended_at + timedelta(minutes=planned_min):
        until = record.ended_at + timedelta(minutes=planned_min)
        raise DocumentationError(f"Observation lasts {planned_min} min after the end of the infusion "
                                 f"({_local(visit, record.ended_at)}): it is done at {_local(visit, until)} at the earliest.",
                                 "at")
    record.observation_done_at = at
    session.flush()
    _audit(session, actor, visit, "observation_done", now, at=at.isoformat())
    return record


def sign_record(session: Session, visit_id: int, *, actor, now: datetime) -> InfusionRecord:
    visit = documenting_visit(session, visit_id, actor=actor, now=now)
    record = _open_record(session, visit, running=False)
    if record.ended_at is None or record.observation_done_at is None:
        raise DocumentationError("Record the end of the infusion and of the observation before signing.")
    _check_record_complete(session, visit)
    record.signed_at, record.signed_by_id = now, actor.id
    session.flush()
    _audit(session, actor, visit, "record_signed", now)
    return record


def _planned_observation_min(visit: Visit) -> int | None:
    days = (visit.plan or {}).get("days") or []
    return days[visit.day_number - 1].get("observation_min") if len(days) >= visit.day_number else None


def _check_record_complete(session: Session, visit: Visit) -> None:
    """Sign-off needs the required vital signs and the lots used (the record must be traceable)."""
    taken = set(session.scalars(select(VitalSigns.phase).where(VitalSigns.visit_id == visit.id)))
    missing = [f"vital signs {what}" for phase, what in REQUIRED_VITALS_PHASES.items() if phase not in taken]
    if not session.scalar(select(LotUsage.id).where(LotUsage.visit_id == visit.id).limit(1)):
        missing.append("the lots used")
    if missing:
        raise DocumentationError(f"Before signing, record {_and(missing)}.")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def add_amendment(session: Session, visit_id: int, text: str, *, actor, now: datetime) -> Amendment:
    visit = documenting_visit(session, visit_id, actor=actor, now=now)
    if infusion_record(session, visit) is None:
        raise DocumentationError("There is no record to amend yet.")
    text = (text or "").strip()
    if not text:
        raise DocumentationError("Write the correction: what was wrong and what is right.", "text")
    amendment = Amendment(visit_id=visit.id, text=text[:MAX_TEXT], author_id=actor.id, created_at=now)
    session.add(amendment)
    session.flush()
    _audit(session, actor, visit, "record_amended", now, amendment_id=amendment.id)
    return amendment


def complete_visit(session: Session, visit_id: int, *, actor, now: datetime) -> Visit:
    """The visit is done: the one completion event, in this transaction, that the reminders
    use to plan the platelet-count draws."""
    visit = documenting_visit(session, visit_id, actor=actor, now=now)
    record = infusion_record(session, visit)
    if record is None or record.signed_at is None:
        raise DocumentationError("Sign the infusion record before completing the visit.")
    if visit.status != "in_progress":
        raise DocumentationError(f"This visit is {visit.status.replace('_', ' ')}.")
    visit.status, visit.version = "completed", visit.version + 1
    session.flush()
    if session.scalar(select(Visit.id).where(Visit.order_id == visit.order_id,
                                             Visit.status.in_(("booked", "in_progress"))).limit(1)) is None:
        # The course is done: the order leaves "active", so the to-do lists that read
        # active orders read this month's, not every order of the agency's history.
        visit.order.status = "completed"
    _audit(session, actor, visit, "visit_completed", now)
    visit_changed(session, visit, "completed", now=now)
    return visit


@dataclass(frozen=True)
class Documentation:
    record: InfusionRecord | None
    vitals: list[VitalSigns]
    changes: list[RateChange]
    reactions: list[Reaction]
    lots: list[LotUsage]
    amendments: list[Amendment]


def documentation_of(session: Session, visit: Visit) -> Documentation:
    """Everything recorded for a visit, oldest first (the caller has checked access)."""
    def rows(model, order):
        return list(session.scalars(select(model).where(model.visit_id == visit.id).order_by(order, model.id)))

    return Documentation(infusion_record(session, visit), rows(VitalSigns, VitalSigns.taken_at), rate_changes(session, visit),
                         rows(Reaction, Reaction.at), rows(LotUsage, LotUsage.id), rows(Amendment, Amendment.created_at))
