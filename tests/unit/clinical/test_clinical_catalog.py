"""The product catalog: loads, validates, every value sourced, unconfirmed values left out."""

from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from scheduler.clinical import ClinicalRuleViolation, InvalidPlanInput, Sourced, UnknownProduct, load_catalog
from scheduler.clinical.catalog import PRODUCTS_PATH, SHIPPED_PROTOCOL_PATH
from scheduler.clinical.ramp import LABEL, LABEL_RATE_PROTOCOL_DURATION, PROTOCOL, rate_schedule

CATALOG = load_catalog()
ISSUE_PRODUCT_IDS = {
    "gamunex_c", "gammaked", "privigen", "octagam_10", "panzyga", "flebogamma_10_dif", "gammaplex_5",
    "gammaplex_10", "gammagard_liquid", "gammagard_sd", "bivigam", "asceniv",
}
# Keys that describe rather than state a clinical value, so they need no source.
DESCRIPTIVE_KEYS = {"name", "manufacturer", "note"}


def test_catalog_lists_every_product_of_the_issue():
    assert set(CATALOG.products) == ISSUE_PRODUCT_IDS


def _unsourced_values(node, path=""):
    """Paths of values in the raw TOML that are neither descriptive nor inside a sourced table."""
    if isinstance(node, dict):
        if "value" in node:
            source = node.get("source")
            return [] if isinstance(source, str) and source.strip() else [path]
        found = []
        for key, child in node.items():
            if key in DESCRIPTIVE_KEYS:
                continue
            if key == "excipients":
                found += [f"{path}.excipients[{i}]" for i, e in enumerate(child) if not e.get("source", "").strip()]
                continue
            found += _unsourced_values(child, f"{path}.{key}")
        return found
    return [path]


def test_every_value_in_the_product_data_has_a_source():
    data = tomllib.loads(PRODUCTS_PATH.read_text())
    assert _unsourced_values(data["products"]) == []


def test_every_loaded_value_cites_the_reference():
    for product in CATALOG.products.values():
        values = [product.concentration_mg_per_ml, product.vial_sizes_g, product.iga_ug_per_ml,
                  product.iga_contraindication, product.at_risk_wording]
        for rule in product.indications.values():
            values += [rule.regimens, rule.initial_rate_mg_per_kg_min, rule.initial_min, rule.step_min,
                       rule.step_increment_mg_per_kg_min, rule.steps, rule.max_rate_mg_per_kg_min,
                       rule.at_risk_max_rate_mg_per_kg_min]
        for value in values:
            if value is not None:
                assert isinstance(value, Sourced)
                assert value.source.startswith("ref §"), (product.product_id, value)
        for excipient in product.excipients:
            assert excipient.source.startswith("ref §")


# Maximum rates per product and indication, from ivig-reference.md §1 and §6 (mg/kg/min).
@pytest.mark.parametrize(("product_id", "indication", "max_rate"), [
    ("gamunex_c", "itp", "8"), ("gamunex_c", "pi", "8"),
    ("privigen", "itp", "4"), ("privigen", "pi", "8"),
    ("octagam_10", "itp", "12"),
    ("panzyga", "itp", "8"), ("panzyga", "pi", "14"),
    ("flebogamma_10_dif", "itp", "8"),
    ("gammaplex_5", "itp", "4"), ("gammaplex_10", "itp", "8"),
    ("gammagard_liquid", "pi", "8"), ("bivigam", "pi", "6"), ("asceniv", "pi", "8"),
])
def test_maximum_rate_is_per_product_and_indication(product_id, indication, max_rate):
    rule = CATALOG.product(product_id).indication(indication)
    assert rule.max_rate_mg_per_kg_min.value == Decimal(max_rate)


def test_values_the_reference_marks_unconfirmed_stay_out():
    gammaked = CATALOG.product("gammaked")
    assert gammaked.indication("itp").initial_rate_mg_per_kg_min is None
    assert gammaked.indication("itp").max_rate_mg_per_kg_min is None
    assert CATALOG.product("gammaplex_10").vial_sizes_g is None
    assert CATALOG.product("bivigam").vial_sizes_g.value == (Decimal(10),)  # 5 g vial unconfirmed
    assert CATALOG.product("bivigam").indication("pi").at_risk_max_rate_mg_per_kg_min is None  # "<2" unconfirmed
    assert CATALOG.product("octagam_10").iga_contraindication is None  # wording not retrieved
    assert CATALOG.product("gamunex_c").indication("itp").at_risk_max_rate_mg_per_kg_min is None  # "minimum practicable"
    sd = CATALOG.product("gammagard_sd")
    assert sd.concentration_mg_per_ml is None and sd.indication("itp").max_rate_mg_per_kg_min is None


@pytest.mark.parametrize(("product_id", "indication", "missing"), [
    ("gammaked", "itp", "initial_rate_mg_per_kg_min"),
    ("gammagard_sd", "itp", "max_rate_mg_per_kg_min"),
    ("gammaplex_10", "pi", "vial_sizes_g"),
])
def test_product_without_needed_values_is_listed_but_refuses_planning(product_id, indication, missing):
    product = CATALOG.product(product_id)
    with pytest.raises(ClinicalRuleViolation) as refused:
        product.require_plannable(indication)
    assert refused.value.code == "catalog_incomplete"
    assert missing in refused.value.message


def test_indications_the_label_lacks_are_absent():
    for product_id in ("gammagard_liquid", "bivigam", "asceniv"):
        with pytest.raises(InvalidPlanInput):
            CATALOG.product(product_id).indication("itp")
    with pytest.raises(InvalidPlanInput):
        CATALOG.product("octagam_10").indication("pi")


def test_unknown_product_is_bad_input():
    with pytest.raises(UnknownProduct, match="nope"):
        CATALOG.product("nope")


def test_shipped_protocol_is_marked_protocol_and_holds_the_defaults():
    settings = CATALOG.settings
    assert CATALOG.protocol.ramp.source == "protocol" and settings.source == "protocol"
    assert CATALOG.protocol.ramp.at_risk_max_rate_mg_per_kg_min > 0
    assert (settings.pre_infusion_min, settings.observation_min, settings.observation_first_infusion_min,
            settings.max_session_min, settings.pump_resolution_ml_per_hr) == (30, 30, 60, 360, Decimal(1))


def test_version_is_stable_and_follows_the_files(tmp_path):
    assert load_catalog().version == CATALOG.version
    changed = tmp_path / "protocol.toml"
    changed.write_text(SHIPPED_PROTOCOL_PATH.read_text().replace("pre_infusion_min = 30", "pre_infusion_min = 45"))
    assert load_catalog(changed).version != CATALOG.version


def test_octagam_schedule_is_the_label_table():
    schedule = rate_schedule(CATALOG.product("octagam_10").indication("itp"), CATALOG.protocol.ramp)
    # Label: 1, 2, 4, 8 mg/kg/min for 30 min each, then up to 12.
    assert [(s.rate_mg_per_kg_min, s.duration_min) for s in schedule] == [
        (1, 30), (2, 30), (4, 30), (8, 30), (12, None)]
    assert {s.source for s in schedule} == {LABEL}


def test_steps_the_label_does_not_give_are_marked_protocol():
    schedule = rate_schedule(CATALOG.product("privigen").indication("itp"), CATALOG.protocol.ramp)
    # Label gives 0.5 initial and 4 maximum only: protocol 30 min, then doubling every 30 min.
    assert [(s.rate_mg_per_kg_min, s.duration_min) for s in schedule] == [(Decimal("0.5"), 30), (1, 30), (2, 30), (4, None)]
    assert [s.source for s in schedule] == [LABEL_RATE_PROTOCOL_DURATION, PROTOCOL, PROTOCOL, PROTOCOL]


def test_protocol_doubles_every_15_minutes_where_the_label_says_15():
    schedule = rate_schedule(CATALOG.product("gammaplex_5").indication("itp"), CATALOG.protocol.ramp)
    assert [s.duration_min for s in schedule] == [15, 15, 15, None]
    assert [s.rate_mg_per_kg_min for s in schedule] == [Decimal("0.5"), 1, 2, 4]
