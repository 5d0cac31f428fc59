"""Catalog and planning: the sourced product catalog, and the clinical plan for given inputs."""

from __future__ import annotations

from flask import jsonify

from scheduler.clinical import PlanRequest, plan_course, plan_to_dict
from scheduler.clinical.serialize import number
from scheduler.web.access import allow
from scheduler.web.api import bp
from scheduler.web.api.common import Fields, page_of, paging
from scheduler.web.helpers import catalog

CLINICAL = ("admin", "coordinator", "nurse")


def _sourced(item, convert=lambda v: v):
    return None if item is None else {"value": convert(item.value), "source": item.source}


def _indication(rule, product) -> dict:
    return {
        "indication": rule.indication,
        "plannable": not product.missing_for_planning(rule.indication),
        "missing_for_planning": list(product.missing_for_planning(rule.indication)),
        "initial_rate_mg_per_kg_min": _sourced(rule.initial_rate_mg_per_kg_min, number),
        "max_rate_mg_per_kg_min": _sourced(rule.max_rate_mg_per_kg_min, number),
        "at_risk_max_rate_mg_per_kg_min": _sourced(rule.at_risk_max_rate_mg_per_kg_min, number),
        "note": rule.note,
    }


def product_json(product, version: str) -> dict:
    return {
        "id": product.product_id,
        "name": product.name,
        "manufacturer": product.manufacturer,
        "catalog_version": version,
        "concentration_mg_per_ml": _sourced(product.concentration_mg_per_ml, number),
        "vial_sizes_g": _sourced(product.vial_sizes_g, lambda sizes: [number(s) for s in sizes]),
        "indications": [_indication(rule, product) for _, rule in sorted(product.indications.items())],
        "note": product.note,
    }


@bp.get("/products")
@allow(*CLINICAL)
def products():
    page, per_page = paging()
    current = catalog()
    every = sorted(current.products.values(), key=lambda p: p.name)
    shown = every[(page - 1) * per_page: page * per_page]
    return jsonify(page_of([product_json(p, current.version) for p in shown], len(every), page, per_page))


@bp.post("/plan")
@allow(*CLINICAL)
def plan():
    """The `flask plan --json` document for these inputs; nothing is stored."""
    f = Fields.body()
    request = PlanRequest(
        product_id=f.text("product_id", required=True, max_length=40),
        indication=f.text("indication", required=True, max_length=20),
        weight_kg=f.decimal("weight_kg", required=True),
        dose_g_per_kg=f.decimal("dose_g_per_kg", required=True),
        days=f.integer("days", default=1, minimum=1, maximum=31),
        height_cm=f.decimal("height_cm"),
        sex=f.choice("sex", ("f", "m")),
        age_years=f.decimal("age_years"),
        weight_policy=f.choice("weight_policy", ("actual", "adjusted"), default="actual"),
        at_risk=f.boolean("at_risk"),
        iga_deficient_with_antibodies=f.boolean("iga_deficient_with_antibodies"),
        first_infusion=f.boolean("first_infusion"),
        product_switch=f.boolean("product_switch"),
        rounding=f.text("rounding", default="exact", max_length=10).strip().lower(),
        pump_resolution_ml_per_hr=f.choice("pump_resolution_ml_per_hr", ("1", "0.1")),
        prescriber_override_reason=f.text("prescriber_override_reason", max_length=1000),
    )
    f.done()
    # No patient, nothing stored: there is no audit row for a plan of bare numbers.
    return jsonify(plan_to_dict(plan_course(catalog(), request)))
