"""The nurse's day: her visits in order, what each one changes in what she does, and the vials
to take from stock, lot by lot, first-expiry-first-out.

A nurse sees only her own visits (the same access rule as everywhere: visit_scope); a
coordinator may look at any nurse's day. The listing is audited as one read of every
patient shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.clinical import BookedPlan, LotAllocation, PlanFormatError, StockLot, StockShortage, plan_vials_from_stock
from scheduler.clinical.vials import remaining_after
from scheduler.models import LotUsage, Nurse, VialLot, Visit
from scheduler.operations import NotFound
from scheduler.operations.access import STAFF, record_list_read, visit_scope

OSM = "https://www.openstreetmap.org/"
# Zoom of the map link: a street with its house numbers.
MAP_ZOOM = 17
IGA_DEFICIENT = ("deficient", "deficient_with_antibodies")


@dataclass
class VisitCard:
    visit: Visit
    day: dict | None  # this visit's day of the stored plan
    flags: list[str] = field(default_factory=list)
    lots: tuple[LotAllocation, ...] = ()
    shortage: str | None = None
    vials_recorded: bool = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.visit.patient.timezone)

    @property
    def map_url(self) -> str:
        patient = self.visit.patient
        return f"{OSM}?mlat={patient.lat:.5f}&mlon={patient.lon:.5f}#map={MAP_ZOOM}/{patient.lat:.5f}/{patient.lon:.5f}"


def nurse_of(session: Session, actor) -> Nurse | None:
    return session.scalar(select(Nurse).where(Nurse.user_id == actor.id))


def stored_plan(visit: Visit) -> BookedPlan | None:
    """The visit's stored plan, typed; None when it has none this version can read."""
    try:
        return BookedPlan.from_dict(visit.plan)
    except PlanFormatError:
        return None


def plan_day(visit: Visit) -> dict | None:
    plan = stored_plan(visit)
    day = plan.day(visit.day_number) if plan else None
    return day.stored if day else None


def visit_flags(visit: Visit) -> list[str]:
    """What changes what the nurse does at this visit, from the patient and the stored plan."""
    patient, plan = visit.patient, stored_plan(visit)
    flags = []
    if visit.needs_replan_reason:
        flags.append(f"NEEDS RE-PLAN, do not start: {visit.needs_replan_reason}")
    order = visit.order
    if order is not None and order.prescriber_override_reason:
        flags.append(f"Outside the label, prescriber's override: {order.prescriber_override_reason}")
    if order is not None and order.long_session_reason:
        flags.append(f"Long visit booked on purpose: {order.long_session_reason}")
    if order is not None and order.iga_ack_reason and patient.iga_status == "unknown":
        flags.append(f"IgA not known; clinician's acknowledgement: {order.iga_ack_reason}")
    if patient.iga_status in IGA_DEFICIENT:
        flags.append("IgA deficiency: anaphylaxis risk; epinephrine at hand.")
    if plan and plan.at_risk:
        flags.append(f"At-risk cap: at most {plan.cap_rate_mg_per_kg_min} mg/kg/min ({plan.cap_reason}).")
    if plan and visit.day_number == 1 and plan.first_infusion:
        flags.append("First infusion of IVIG: start at the minimum rate; longer observation.")
    if plan and visit.day_number == 1 and plan.product_switch:
        flags.append("Product switch: start at the minimum rate; longer observation.")
    if patient.allergies:
        flags.append(f"Allergies: {patient.allergies}")
    if plan:
        flags.extend(f"Excipient: {message}" for code, message in plan.warnings if code == "excipient")
    return flags


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)


def _nurse_for(session: Session, actor, nurse_id: int | None) -> Nurse:
    """The nurse whose rounds are asked for: staff choose one, a nurse always gets herself."""
    if getattr(actor, "role", None) in STAFF and nurse_id is not None:
        nurse = session.get(Nurse, nurse_id)
    else:
        nurse = nurse_of(session, actor)
    if nurse is None:
        raise NotFound("There is no such nurse.")
    return nurse


def nurse_week(session: Session, actor, monday: date, *, nurse_id: int | None = None,
               now: datetime) -> list[tuple[date, int]]:
    """How many visits the nurse has on each local day of the week starting on monday: times
    only, no patient data, so nothing to audit. Reads one week, whatever the years behind it."""
    nurse = _nurse_for(session, actor, nurse_id)
    zone = ZoneInfo(nurse.timezone)
    start, end = day_bounds(monday, zone)[0], day_bounds(monday + timedelta(days=6), zone)[1]
    starts = session.scalars(select(Visit.starts_at).where(
        Visit.nurse_id == nurse.id, Visit.status != "cancelled", Visit.starts_at >= start, Visit.starts_at < end,
        visit_scope(actor, now=now)))
    counts = {monday + timedelta(days=n): 0 for n in range(7)}
    for moment in starts:
        counts[moment.astimezone(zone).date()] += 1
    return list(counts.items())


def nurse_day(session: Session, actor, day: date, *, nurse_id: int | None = None, now: datetime) -> tuple[Nurse, list[VisitCard]]:
    """The nurse's visits of a local day with flags and lots. A nurse always gets her own day."""
    nurse = _nurse_for(session, actor, nurse_id)
    start, end = day_bounds(day, ZoneInfo(nurse.timezone))
    visits = list(session.scalars(
        select(Visit).options(selectinload(Visit.patient), selectinload(Visit.order))
        .where(Visit.nurse_id == nurse.id, Visit.status != "cancelled", Visit.starts_at >= start, Visit.starts_at < end,
               visit_scope(actor, now=now))
        .order_by(Visit.starts_at)
    ))
    cards = [VisitCard(v, plan_day(v), visit_flags(v)) for v in visits]
    _allocate_lots(session, cards)
    record_list_read(session, actor, object_type="visit", patient_ids=[v.patient_id for v in visits], now=now,
                     details={"page": "nurse day", "nurse_id": nurse.id, "date": day.isoformat()})
    return nurse, cards


def card_for(session: Session, visit: Visit) -> VisitCard:
    """One visit's card (the caller has checked access); its lots as if it were the only visit."""
    card = VisitCard(visit, plan_day(visit), visit_flags(visit))
    _allocate_lots(session, [card])
    return card


def _allocate_lots(session: Session, cards: list[VisitCard]) -> None:
    """Lots for each visit from current stock, FEFO, the day's visits taking in turn so two
    visits never count on the same vial. Visits whose vials are already recorded are skipped:
    their vials have left the stock."""
    recorded = set(session.scalars(select(LotUsage.visit_id).where(LotUsage.visit_id.in_([c.visit.id for c in cards]))))
    products = {stored_plan(c.visit).product_id for c in cards if c.day}
    stock: dict[str, tuple[StockLot, ...]] = {
        product: tuple(StockLot(lot.lot_number, Decimal(str(lot.size_g)), lot.expiry_date, lot.quantity)
                       for lot in session.scalars(select(VialLot).where(VialLot.product_id == product)))
        for product in products
    }
    for card in cards:
        card.vials_recorded = card.visit.id in recorded
        if card.day is None or card.vials_recorded or card.visit.status == "completed":
            continue
        product = stored_plan(card.visit).product_id
        visit_date = card.visit.starts_at.astimezone(ZoneInfo(card.visit.patient.timezone)).date()
        try:
            _, card.lots = plan_vials_from_stock(Decimal(str(card.day["dose_g"])), stock[product], visit_date)
        except StockShortage as exc:
            card.shortage = exc.message
            continue
        stock[product] = remaining_after(stock[product], card.lots)
