"""The clinical core: product catalog, dosing weight, vials, infusion-rate ramp, visit length.

Pure Python: no Flask, no database session. Values in, frozen dataclasses out, so a
pharmacist can read each module against the label and the tests can check every rule.

    catalog = load_catalog()                      # or load_catalog("/etc/org/protocol.toml")
    plan = plan_course(catalog, PlanRequest("octagam_10", "itp", weight_kg=80,
                                            dose_g_per_kg=1, days=2, at_risk=True))
    plan_to_dict(plan)                            # stored on each booked visit
"""

from scheduler.clinical.catalog import Catalog, IndicationRule, Product, Sourced, load_catalog
from scheduler.clinical.dosing import DosingWeight, dosing_weight, ideal_body_weight_kg, round_dose
from scheduler.clinical.errors import (
    CatalogError,
    ClinicalRuleViolation,
    InvalidPlanInput,
    RampInvariantError,
    StockShortage,
    UnknownProduct,
)
from scheduler.clinical.booked import BookedDay, BookedPlan, PlanFormatError
from scheduler.clinical.plan import CoursePlan, DayPlan, PlanRequest, PlanWarning, plan_course
from scheduler.clinical.protocol import Protocol, RampProtocol, Settings
from scheduler.clinical.ramp import RampStep, RateCap, applicable_cap, build_ramp, pump_rate_ml_per_hr, rate_schedule
from scheduler.clinical.serialize import plan_to_dict
from scheduler.clinical.session import VisitLength, visit_length
from scheduler.clinical.vials import (
    LotAllocation,
    StockLot,
    VialCount,
    VialPlan,
    allocate_lots,
    choose_vials,
    plan_vials_from_stock,
)

__all__ = [
    "BookedDay", "BookedPlan", "PlanFormatError", "Catalog", "CatalogError", "ClinicalRuleViolation", "CoursePlan", "DayPlan", "DosingWeight",
    "IndicationRule", "InvalidPlanInput", "LotAllocation", "PlanRequest", "PlanWarning", "Product",
    "Protocol", "RampInvariantError", "RampProtocol", "RampStep", "RateCap", "Settings", "Sourced",
    "StockLot", "StockShortage", "UnknownProduct", "VialCount", "VialPlan", "VisitLength",
    "allocate_lots", "applicable_cap", "build_ramp", "choose_vials", "dosing_weight",
    "ideal_body_weight_kg", "load_catalog", "plan_course", "plan_to_dict", "plan_vials_from_stock",
    "pump_rate_ml_per_hr", "rate_schedule", "round_dose", "visit_length",
]
