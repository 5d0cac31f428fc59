"""The organisation's protocol: ramp rules where the label is silent, and visit settings.

The shipped default lives in ``scheduler/data/protocol.toml``; an organisation can point to
its own file, which replaces it whole. A protocol never holds label values and cannot raise a
rate above the label maximum (the ramp clips to it regardless); it decides only:

- how long the initial rate runs when the label gives no duration,
- how the rate climbs when the label says "increase gradually" (a factor every N minutes),
- the at-risk cap where the label says only "minimum infusion rate practicable",
- the visit settings (pre-infusion time, observation, session limit, pump resolution,
  rounding tolerance),
- what the nurse does for an infusion reaction, by severity (optional section).

Every value is validated on load; the error names the file, the product and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.clinical._toml import Table, read_toml
from scheduler.clinical.errors import CatalogError
from scheduler.clinical.advice import PatientAdvice, read_patient_advice

if TYPE_CHECKING:
    from scheduler.clinical.catalog import Product

PUMP_RESOLUTIONS_ML_PER_HR = (Decimal("1"), Decimal("0.1"))
# Floors an organisation file cannot go below (issue 14, "protocol floors"). They are not
# label values but limits on what a protocol may decide where the label is silent:
# - every label that states how long a rate runs says 15 or 30 minutes (ivig-reference.md
#   §1: Gammaplex, Asceniv 15; Gamunex-C, Octagam 10 %, Panzyga, Gammagard Liquid 30), so a
#   protocol step shorter than 15 min would climb faster than any label does;
# - no label ramp more than doubles the rate from one step to the next (Octagam 10 %:
#   1 -> 2 -> 4 -> 8), so "increase gradually" is never read as more than x2;
# - rounding the dose to whole vials is accepted within 10 % (payer/HOPA practice, §3);
# - an at-risk cap exists to slow the infusion, so it may never exceed the label maximum.
MIN_STEP_DURATION_MIN = 15
MAX_STEP_DURATION_MIN = 120
MAX_STEP_FACTOR = Decimal("2")
MAX_ROUNDING_DEVIATION_PCT = Decimal("10")
_RAMP_FIELDS = {"source", "initial_min", "step_min", "step_factor", "at_risk_max_rate_mg_per_kg_min"}
_SETTINGS_FIELDS = {
    "source", "pre_infusion_min", "observation_min", "observation_first_infusion_min", "max_session_min",
    "pump_resolution_ml_per_hr", "rounding_max_deviation_pct",
}


@dataclass(frozen=True)
class RampProtocol:
    """How a ramp climbs where the label gives no steps."""

    source: str
    initial_min: int
    step_min: int
    step_factor: Decimal
    at_risk_max_rate_mg_per_kg_min: Decimal


@dataclass(frozen=True)
class Settings:
    """Organisation settings for visits; defaults in the shipped protocol."""

    source: str
    pre_infusion_min: int
    observation_min: int
    observation_first_infusion_min: int
    max_session_min: int
    pump_resolution_ml_per_hr: Decimal
    rounding_max_deviation_pct: Decimal


REACTION_SEVERITIES = ("mild", "moderate", "severe")
MAX_REACTION_TYPE_CHARS = 60  # the reaction_type column


@dataclass(frozen=True)
class ReactionAction:
    """What to do for one severity: the rate, the medications, whom to call, and the source."""

    rate: str
    medications: str
    call: str
    source: str


@dataclass(frozen=True)
class ReactionProtocol:
    source: str
    types: tuple[str, ...]  # the reaction form's pick-list
    actions: Mapping[str, ReactionAction]  # severity -> what to do


@dataclass(frozen=True)
class Protocol:
    name: str
    path: str
    ramp: RampProtocol
    settings: Settings
    # (product_id, indication) -> the ramp rules replacing the defaults for that pair.
    overrides: Mapping[tuple[str, str], RampProtocol]
    # What reminders tell the patient to do before a visit; None: the shipped advice.
    patient_advice: PatientAdvice | None = None
    # None when the organisation's file has no [reactions] section: the page says so.
    reactions: ReactionProtocol | None = None

    def ramp_for(self, product_id: str, indication: str) -> RampProtocol:
        return self.overrides.get((product_id, indication), self.ramp)


def load_protocol(path: Path, products: Mapping[str, Product]) -> tuple[bytes, Protocol]:
    raw, data = read_toml(path)
    root = Table(data, path)
    root.only({"protocol", "ramp", "settings", "products", "patient_advice", "reactions"})
    header = root.sub("protocol")
    header.only({"name", "source"})
    header.text("source")
    ramp = _read_ramp(root.sub("ramp"), base=None)
    overrides = _read_overrides(root, ramp, products) if root.has("products") else {}
    _check_at_risk_caps(path, ramp, overrides, products)
    protocol = Protocol(
        name=header.text("name"),
        path=str(path),
        ramp=ramp,
        settings=_read_settings(root.sub("settings")),
        overrides=overrides,
        patient_advice=read_patient_advice(root.sub("patient_advice")) if root.has("patient_advice") else None,
        reactions=_read_reactions(root.sub("reactions")) if root.has("reactions") else None,
    )
    return raw, protocol


def _read_reactions(table: Table) -> ReactionProtocol:
    table.only({"source", "types", *REACTION_SEVERITIES})
    types = table.data.get("types")
    if not isinstance(types, list) or not types:
        raise table.error("types", "must be a non-empty list of reaction names")
    for name in types:
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_REACTION_TYPE_CHARS:
            raise table.error("types", f"each reaction name must be text of 1 to {MAX_REACTION_TYPE_CHARS} characters, "
                                       f"got {name!r}")
    actions = {}
    for severity in REACTION_SEVERITIES:
        step = table.sub(severity)
        step.only({"rate", "medications", "call", "source"})
        actions[severity] = ReactionAction(step.text("rate"), step.text("medications"), step.text("call"),
                                           step.text("source"))
    return ReactionProtocol(table.text("source"), tuple(name.strip() for name in types), actions)


def _read_ramp(table: Table, base: RampProtocol | None) -> RampProtocol:
    """A [ramp] table; with ``base``, fields left out keep the base's value."""
    table.only(_RAMP_FIELDS)
    required = base is None

    def whole_minutes(key: str, default: int | None) -> int:
        value = table.number(key, required=required, whole=True)
        if value is None:
            return default
        if not MIN_STEP_DURATION_MIN <= value <= MAX_STEP_DURATION_MIN:
            raise table.error(key, f"must be from {MIN_STEP_DURATION_MIN} to {MAX_STEP_DURATION_MIN} minutes "
                                   f"(no label runs a rate for less than {MIN_STEP_DURATION_MIN} min), got {value}")
        return int(value)

    factor = table.number("step_factor", required=required)
    if factor is not None and not (1 < factor <= MAX_STEP_FACTOR):
        raise table.error("step_factor", f"must be above 1 (the rate must rise) and at most {MAX_STEP_FACTOR} "
                                         f"(no label more than doubles a rate per step), got {factor}")
    cap = table.number("at_risk_max_rate_mg_per_kg_min", required=required)
    return RampProtocol(
        source=table.text("source"),
        initial_min=whole_minutes("initial_min", base.initial_min if base else None),
        step_min=whole_minutes("step_min", base.step_min if base else None),
        step_factor=factor if factor is not None else base.step_factor,
        at_risk_max_rate_mg_per_kg_min=cap if cap is not None else base.at_risk_max_rate_mg_per_kg_min,
    )


def _read_overrides(root: Table, ramp: RampProtocol, products: Mapping[str, Product]) -> dict[tuple[str, str], RampProtocol]:
    overrides = {}
    table = root.sub("products")
    for product_id in table.data:
        if product_id not in products:
            raise table.error(product_id, f"product {product_id!r} is not in the product catalog")
        per_product = table.sub(product_id, product=product_id)
        for indication in per_product.data:
            if indication not in products[product_id].indications:
                raise per_product.error(indication, f"the product has no {indication!r} indication in the catalog")
            overrides[(product_id, indication)] = _read_ramp(per_product.sub(indication), base=ramp)
    return overrides


def _check_at_risk_caps(path: Path, ramp: RampProtocol, overrides: Mapping[tuple[str, str], RampProtocol],
                        products: Mapping[str, Product]) -> None:
    """A protocol at-risk cap above a label maximum it would apply to is refused, not ignored.

    The protocol cap applies where the label gives a maximum rate but no at-risk maximum; the
    planner would clip it to the label maximum anyway, but a file claiming a higher "cap" says
    its author misread the label, and a silent clip hides that.
    """
    for product_id, product in sorted(products.items()):
        for indication, rule in sorted(product.indications.items()):
            if rule.max_rate_mg_per_kg_min is None or rule.at_risk_max_rate_mg_per_kg_min is not None:
                continue
            override = overrides.get((product_id, indication))
            cap = (override or ramp).at_risk_max_rate_mg_per_kg_min
            label_max = rule.max_rate_mg_per_kg_min.value
            if cap > label_max:
                field = f"products.{product_id}.{indication}.at_risk_max_rate_mg_per_kg_min" if override and \
                    override.at_risk_max_rate_mg_per_kg_min != ramp.at_risk_max_rate_mg_per_kg_min else \
                    "ramp.at_risk_max_rate_mg_per_kg_min"
                raise CatalogError(str(path), f"at-risk cap {cap} mg/kg/min is above the label maximum of "
                                              f"{label_max} mg/kg/min for {product.name} ({indication}); "
                                              "an at-risk cap must not exceed the label maximum",
                                   product=product_id, field=field)


def _read_settings(table: Table) -> Settings:
    table.only(_SETTINGS_FIELDS)

    def minutes(key: str) -> int:
        return int(table.number(key, whole=True))

    resolution = table.number("pump_resolution_ml_per_hr")
    if resolution not in PUMP_RESOLUTIONS_ML_PER_HR:
        raise table.error("pump_resolution_ml_per_hr", f"must be 1 or 0.1 mL/hr, got {resolution}")
    deviation = table.number("rounding_max_deviation_pct")
    if deviation > MAX_ROUNDING_DEVIATION_PCT:
        raise table.error("rounding_max_deviation_pct",
                          f"must be at most {MAX_ROUNDING_DEVIATION_PCT} % (payer/HOPA practice), got {deviation}")
    settings = Settings(
        source=table.text("source"),
        pre_infusion_min=minutes("pre_infusion_min"),
        observation_min=minutes("observation_min"),
        observation_first_infusion_min=minutes("observation_first_infusion_min"),
        max_session_min=minutes("max_session_min"),
        pump_resolution_ml_per_hr=resolution,
        rounding_max_deviation_pct=deviation,
    )
    if settings.observation_first_infusion_min < settings.observation_min:
        raise table.error("observation_first_infusion_min", "must not be shorter than observation_min")
    if settings.max_session_min <= settings.pre_infusion_min + settings.observation_first_infusion_min:
        raise table.error("max_session_min", "leaves no time for the infusion after pre-infusion and observation")
    return settings
