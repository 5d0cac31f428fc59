"""Vial choice (least waste, then fewest vials) and stock lots (FEFO, never expired)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from scheduler.clinical import (
    InvalidPlanInput,
    PlanRequest,
    StockLot,
    StockShortage,
    allocate_lots,
    choose_vials,
    load_catalog,
    plan_course,
    plan_vials_from_stock,
)

D = Decimal
CATALOG = load_catalog()


def counts(plan):
    return [(v.size_g, v.count) for v in plan.vials]


def test_octagam_80_g_is_two_30s_and_a_20():
    # 30 + 30 + 20 = 80: no waste, 3 vials (20 x 4 also has no waste but 4 vials)
    plan = choose_vials(D(80), [D(2), D(5), D(10), D(20), D(30)])
    assert counts(plan) == [(30, 2), (20, 1)] and plan.waste_g == 0


def test_least_waste_beats_fewest_vials():
    # 35 g from 5 g and 40 g vials: 7 x 5 (no waste) rather than 1 x 40 (5 g waste)
    plan = choose_vials(D(35), [D(5), D(40)])
    assert counts(plan) == [(5, 7)] and plan.waste_g == 0


def test_fewest_vials_among_equal_waste():
    # 25 g from 10 g vials and 20 g vials: 20 + 10 and 10 x 3 both waste 5 g; 2 vials win
    plan = choose_vials(D(25), [D(10), D(20)])
    assert counts(plan) == [(20, 1), (10, 1)] and plan.waste_g == D(5)


def test_fractional_dose_and_half_gram_vials():
    # 29.35 g from 1/2.5/5/10/20/40: 20 + 5 + 2.5 + 1 + 1 = 29.5 (0.15 g waste) vs 20+10 = 30 (0.65).
    # 29.5 as 20 + 5 + 2.5 + 1 + 1 takes 5 vials; no 4-vial combination makes 29.5
    plan = choose_vials(D("29.35"), [D(1), D("2.5"), D(5), D(10), D(20), D(40)])
    assert plan.total_g == D("29.5") and plan.waste_g == D("0.15") and plan.vial_count == 5


def test_limited_stock_changes_the_combination():
    # One 30 g vial and five 20 g vials for 80 g: 20 x 4 (no waste) beats 30 + 20 x 3 (10 g waste)
    plan = choose_vials(D(80), [D(20), D(30)], {D(30): 1, D(20): 5})
    assert counts(plan) == [(20, 4)]


def test_not_enough_vials_is_none():
    assert choose_vials(D(80), [D(20)], {D(20): 3}) is None


VISIT = date(2025, 3, 1)
LOTS = (
    StockLot("LATE", D(20), date(2025, 6, 1), 1),
    StockLot("SOON", D(20), date(2025, 5, 1), 1),
    StockLot("EXPIRED", D(20), date(2025, 3, 1), 5),  # expires on the visit day: not used
)


def test_first_expiry_first_out_and_never_an_expired_lot():
    plan, allocations = plan_vials_from_stock(D(40), LOTS, VISIT)
    assert counts(plan) == [(20, 2)]
    assert [(a.lot_number, a.count) for a in allocations] == [("SOON", 1), ("LATE", 1)]


def test_shortage_names_the_need_and_the_expired_lots():
    with pytest.raises(StockShortage) as short:
        plan_vials_from_stock(D(60), LOTS, VISIT)
    message = short.value.message
    assert short.value.code == "stock_shortage"
    assert "60 g" in message and "2025-03-01" in message and "Usable stock 40 g" in message
    assert "lot EXPIRED" in message and "expired by the visit date" in message


def test_allocate_lots_for_a_given_plan():
    plan = choose_vials(D(20), [D(20)])
    assert [a.lot_number for a in allocate_lots(plan, LOTS, VISIT)] == ["SOON"]


def test_course_takes_each_day_from_what_is_left():
    lots = (StockLot("A", D(40), date(2025, 4, 1), 1), StockLot("B", D(40), date(2025, 5, 1), 1),
            StockLot("C", D(20), date(2025, 5, 1), 3))
    plan = plan_course(CATALOG, PlanRequest("privigen", "itp", 60, 1, 2, stock_lots=lots,
                                            visit_dates=(date(2025, 3, 1), date(2025, 3, 2))))
    # Day 1: 60 g = 40 (A, earliest) + 20 (C). Day 2: 60 g = 40 (B) + 20 (C).
    assert [[(a.lot_number, a.count) for a in day.lots] for day in plan.days] == [[("A", 1), ("C", 1)], [("B", 1), ("C", 1)]]


def test_course_shortage_says_which_day():
    lots = (StockLot("A", D(40), date(2025, 4, 1), 2),)
    with pytest.raises(StockShortage, match="^.*Day 2"):
        plan_course(CATALOG, PlanRequest("privigen", "itp", 60, 1, 2, stock_lots=lots,
                                         visit_dates=(date(2025, 3, 1), date(2025, 3, 2))))


def test_stock_needs_visit_dates():
    with pytest.raises(InvalidPlanInput, match="visit dates"):
        plan_course(CATALOG, PlanRequest("privigen", "itp", 60, 1, 1, stock_lots=LOTS))
