"""Vials for a day's dose, and which stock lots they come from.

Choice of vials: the combination covering the dose with the least waste, then the fewest
vials, then (only to be deterministic) the one with more of the larger vials. The search is
exact (dynamic programming over the totals in the vial sizes' smallest common unit), so
"least waste" is a fact, not a heuristic.

Stock: lots are used first-expiry-first-out, and a lot whose expiry date is on or before the
visit date is never used. Expiry on the visit day itself is excluded too: the vial travels in
the nurse's car and a day-2 visit can slip past midnight of a rescheduled day, so the
conservative reading is "must still be in date the day after".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from scheduler.clinical.errors import StockShortage


@dataclass(frozen=True)
class VialCount:
    size_g: Decimal
    count: int


@dataclass(frozen=True)
class VialPlan:
    dose_g: Decimal
    vials: tuple[VialCount, ...]  # largest size first

    @property
    def total_g(self) -> Decimal:
        return sum((v.size_g * v.count for v in self.vials), Decimal(0))

    @property
    def waste_g(self) -> Decimal:
        return self.total_g - self.dose_g

    @property
    def vial_count(self) -> int:
        return sum(v.count for v in self.vials)


@dataclass(frozen=True)
class StockLot:
    lot_number: str
    size_g: Decimal
    expiry_date: date
    quantity: int


@dataclass(frozen=True)
class LotAllocation:
    lot_number: str
    size_g: Decimal
    expiry_date: date
    count: int


def choose_vials(
    dose_g: Decimal, sizes_g: Iterable[Decimal], available: Mapping[Decimal, int] | None = None
) -> VialPlan | None:
    """Least waste, then fewest vials; ``available`` limits the count of each size (stock).

    None when the available vials cannot cover the dose.
    """
    sizes = sorted({Decimal(s) for s in sizes_g if available is None or available.get(Decimal(s), 0) > 0}, reverse=True)
    if not sizes:
        return None
    # Work in whole units: the vial sizes scaled to integers, divided by their common divisor.
    scale = 10 ** max(max(-s.as_tuple().exponent, 0) for s in sizes)
    scaled = [int(s * scale) for s in sizes]
    unit = math.gcd(*scaled)
    units = [s // unit for s in scaled]
    dose_units = math.ceil(dose_g * scale / unit)
    # A least-waste cover never exceeds the dose by a whole vial (that vial could be dropped),
    # so totals beyond dose + largest vial need not be searched.
    limit = dose_units + units[0] - 1
    # best[total] = (vial count, counts per size, largest first); larger sizes are decided first,
    # so comparing the counts tuple prefers more of the larger vials on equal vial counts.
    best: dict[int, tuple[int, tuple[int, ...]]] = {0: (0, ())}
    for size_units, size in zip(units, sizes):
        cap = available[size] if available is not None else limit // size_units
        extended: dict[int, tuple[int, tuple[int, ...]]] = {}
        for total, (count, counts) in best.items():
            for k in range(min(cap, (limit - total) // size_units) + 1):
                candidate = (count + k, counts + (k,))
                key = total + k * size_units
                current = extended.get(key)
                if current is None or candidate[0] < current[0] or (candidate[0] == current[0] and candidate[1] > current[1]):
                    extended[key] = candidate
        best = extended
    covering = [total for total in best if total >= dose_units]
    if not covering:
        return None
    _, counts = best[min(covering)]
    vials = tuple(VialCount(size, k) for size, k in zip(sizes, counts) if k)
    return VialPlan(dose_g=dose_g, vials=vials)


def usable_lots(lots: Iterable[StockLot], visit_date: date) -> list[StockLot]:
    """Lots still in date after the visit day, with vials left, earliest expiry first."""
    return sorted(
        (lot for lot in lots if lot.expiry_date > visit_date and lot.quantity > 0),
        key=lambda lot: (lot.expiry_date, lot.lot_number),
    )


def allocate_lots(plan: VialPlan, lots: Sequence[StockLot], visit_date: date) -> tuple[LotAllocation, ...]:
    """Take each vial of the plan from the earliest-expiring usable lot of its size."""
    in_date = usable_lots(lots, visit_date)
    allocations = []
    for vial in plan.vials:
        needed = vial.count
        for lot in (lot for lot in in_date if lot.size_g == vial.size_g):
            take = min(needed, lot.quantity)
            if take:
                allocations.append(LotAllocation(lot.lot_number, lot.size_g, lot.expiry_date, take))
                needed -= take
            if needed == 0:
                break
        if needed:
            raise StockShortage(_shortage_message(plan.dose_g, lots, visit_date, f"{needed} more {vial.size_g} g vial(s)"))
    return tuple(allocations)


def plan_vials_from_stock(dose_g: Decimal, lots: Sequence[StockLot], visit_date: date) -> tuple[VialPlan, tuple[LotAllocation, ...]]:
    """Vials for the dose from usable stock only (least waste, fewest vials), then lots FEFO."""
    available: dict[Decimal, int] = {}
    for lot in usable_lots(lots, visit_date):
        available[lot.size_g] = available.get(lot.size_g, 0) + lot.quantity
    plan = choose_vials(dose_g, available, available)
    if plan is None:
        raise StockShortage(_shortage_message(dose_g, lots, visit_date, "vials"))
    return plan, allocate_lots(plan, lots, visit_date)


def remaining_after(lots: Sequence[StockLot], allocations: Iterable[LotAllocation]) -> tuple[StockLot, ...]:
    """The lots with the allocated vials taken out (for the next day of a course)."""
    taken: dict[tuple[str, Decimal], int] = {}
    for a in allocations:
        taken[(a.lot_number, a.size_g)] = taken.get((a.lot_number, a.size_g), 0) + a.count
    return tuple(
        StockLot(lot.lot_number, lot.size_g, lot.expiry_date, lot.quantity - taken.get((lot.lot_number, lot.size_g), 0))
        for lot in lots
    )


def _shortage_message(dose_g: Decimal, lots: Iterable[StockLot], visit_date: date, what: str) -> str:
    lots = list(lots)
    in_date = usable_lots(lots, visit_date)
    usable_g = sum((lot.size_g * lot.quantity for lot in in_date), Decimal(0))
    stock = ", ".join(f"{lot.quantity} x {lot.size_g} g (lot {lot.lot_number})" for lot in in_date) or "none"
    message = (
        f"Not enough stock for {dose_g} g on {visit_date.isoformat()}: short of {what}. "
        f"Usable stock {usable_g} g: {stock}."
    )
    expired = [lot for lot in lots if lot.expiry_date <= visit_date and lot.quantity > 0]
    if expired:
        message += " Not used, expired by the visit date: " + ", ".join(
            f"lot {lot.lot_number} ({lot.size_g} g, expires {lot.expiry_date.isoformat()})" for lot in expired
        ) + "."
    return message
