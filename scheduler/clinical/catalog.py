"""The product catalog: label values of each IVIG product, each with its source.

Loaded from ``scheduler/data/products.toml`` (label values) and a protocol file (what the
organisation decides where the label is silent; see ``protocol.py``). A value is either
present with the passage it came from, or absent: a value the reference could not confirm is
never guessed, and a product or indication lacking what planning needs is listed but refuses
to plan, saying what is missing.

``Catalog.version`` is a short hash of both files' bytes. A booked visit stores it with its
plan, so a later edit of either file is visible and never silently changes a booked visit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Generic, TypeVar

from scheduler.clinical._toml import Table, read_toml, to_positive_decimal
from scheduler.clinical.errors import CatalogError, ClinicalRuleViolation, InvalidPlanInput, UnknownProduct
from scheduler.clinical.protocol import Protocol, Settings, load_protocol

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
PRODUCTS_PATH = DATA_DIR / "products.toml"
SHIPPED_PROTOCOL_PATH = DATA_DIR / "protocol.toml"

T = TypeVar("T")


@dataclass(frozen=True)
class Sourced(Generic[T]):
    """A catalog value and the passage it came from."""

    value: T
    source: str


@dataclass(frozen=True)
class Regimen:
    """A label regimen: a dose (or dose range) per day, for a number of days."""

    dose_min_g_per_kg: Decimal
    dose_max_g_per_kg: Decimal
    days: int
    repeat: str | None = None

    def describe(self) -> str:
        if self.dose_min_g_per_kg == self.dose_max_g_per_kg:
            dose = f"{self.dose_min_g_per_kg} g/kg"
        else:
            dose = f"{self.dose_min_g_per_kg}-{self.dose_max_g_per_kg} g/kg"
        text = f"{dose} x {self.days} day{'s' if self.days > 1 else ''}"
        return f"{text}, {self.repeat}" if self.repeat else text


@dataclass(frozen=True)
class LabelStep:
    """A rate the label itself lists, held for a fixed time."""

    rate_mg_per_kg_min: Decimal
    duration_min: int


@dataclass(frozen=True)
class IgaContent:
    ug_per_ml: Decimal
    qualifier: str  # "average", "at most" or "less than", as the label words it

    def describe(self) -> str:
        symbol = {"average": "average ", "at most": "<= ", "less than": "< "}[self.qualifier]
        return f"{symbol}{self.ug_per_ml} ug/mL"


@dataclass(frozen=True)
class Excipient:
    name: str
    note: str
    source: str


@dataclass(frozen=True)
class IndicationRule:
    """Label dosing and rate values of one product for one indication."""

    product_id: str
    indication: str
    regimens: Sourced[tuple[Regimen, ...]] | None = None
    initial_rate_mg_per_kg_min: Sourced[Decimal] | None = None
    initial_min: Sourced[int] | None = None
    step_min: Sourced[int] | None = None
    step_increment_mg_per_kg_min: Sourced[Decimal] | None = None
    steps: Sourced[tuple[LabelStep, ...]] | None = None
    max_rate_mg_per_kg_min: Sourced[Decimal] | None = None
    at_risk_max_rate_mg_per_kg_min: Sourced[Decimal] | None = None
    # The labelled population: the youngest age the indication is labelled for, with the
    # label's own words ("adults", "patients age 15 years and older"). None: not confirmed.
    min_age: Sourced[Population] | None = None
    # The label lets the second daily dose be withheld after an adequate platelet rise at 24 h.
    day2_withhold: Sourced[str] | None = None
    note: str | None = None

    @property
    def labelled_total_max_g_per_kg(self) -> Decimal | None:
        """The largest course total of any labelled regimen (dose per day x days)."""
        if not self.regimens:
            return None
        return max(r.dose_max_g_per_kg * r.days for r in self.regimens.value)

    @property
    def labelled_max_days(self) -> int | None:
        return max(r.days for r in self.regimens.value) if self.regimens else None

    @property
    def labelled_max_daily_g_per_kg(self) -> Decimal | None:
        return max(r.dose_max_g_per_kg for r in self.regimens.value) if self.regimens else None

    def is_labelled_regimen(self, dose_g_per_kg: Decimal, days: int) -> bool:
        return bool(self.regimens) and any(
            r.dose_min_g_per_kg <= dose_g_per_kg <= r.dose_max_g_per_kg and r.days == days for r in self.regimens.value)


@dataclass(frozen=True)
class Population:
    min_age_years: int
    wording: str


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    manufacturer: str
    indications: Mapping[str, IndicationRule]
    concentration_mg_per_ml: Sourced[Decimal] | None = None
    vial_sizes_g: Sourced[tuple[Decimal, ...]] | None = None
    iga_ug_per_ml: Sourced[IgaContent] | None = None
    # None means the reference could not confirm the wording either way.
    iga_contraindication: Sourced[bool] | None = None
    at_risk_wording: Sourced[str] | None = None
    # The label's caution on the high-dose regimen and fluid volume (cardiac, renal, at-risk).
    volume_caution: Sourced[str] | None = None
    excipients: tuple[Excipient, ...] = ()
    note: str | None = None

    def indication(self, indication: str) -> IndicationRule:
        try:
            return self.indications[indication]
        except KeyError:
            have = ", ".join(sorted(self.indications)) or "none"
            raise InvalidPlanInput(
                f"{self.name} has no {indication!r} indication in the catalog (it has: {have})"
            ) from None

    def missing_for_planning(self, indication: str) -> tuple[str, ...]:
        """Values planning needs that the catalog does not hold (not confirmed)."""
        rule = self.indication(indication)
        needed = {
            "concentration_mg_per_ml": self.concentration_mg_per_ml,
            "vial_sizes_g": self.vial_sizes_g,
            "initial_rate_mg_per_kg_min": rule.initial_rate_mg_per_kg_min,
            "max_rate_mg_per_kg_min": rule.max_rate_mg_per_kg_min,
        }
        return tuple(name for name, value in needed.items() if value is None)

    def require_plannable(self, indication: str) -> IndicationRule:
        rule = self.indication(indication)
        missing = self.missing_for_planning(indication)
        if missing:
            why = " ".join(note for note in (self.note, rule.note) if note) or "Not confirmed in the reference."
            raise ClinicalRuleViolation(
                "catalog_incomplete",
                f"{self.name} ({indication}) cannot be planned: {', '.join(missing)} not in the catalog "
                f"(not confirmed by the reference). {why}",
            )
        return rule


@dataclass(frozen=True)
class Catalog:
    version: str
    products: Mapping[str, Product]
    protocol: Protocol
    products_path: str = field(default=str(PRODUCTS_PATH))

    @property
    def settings(self) -> Settings:
        return self.protocol.settings

    def product(self, product_id: str) -> Product:
        try:
            return self.products[product_id]
        except KeyError:
            raise UnknownProduct(
                f"unknown product {product_id!r} (known: {', '.join(sorted(self.products))})"
            ) from None


def load_catalog(protocol_path: str | Path | None = None, *, products_path: str | Path | None = None) -> Catalog:
    """The catalog from the shipped product data and a protocol file (the shipped one by default)."""
    products_file = Path(products_path) if products_path else PRODUCTS_PATH
    protocol_file = Path(protocol_path) if protocol_path else SHIPPED_PROTOCOL_PATH
    products_bytes, products = _load_products(products_file)
    protocol_bytes, protocol = load_protocol(protocol_file, products)
    digest = hashlib.sha256(products_bytes + b"\0" + protocol_bytes).hexdigest()
    return Catalog(version=digest[:12], products=products, protocol=protocol, products_path=str(products_file))


# --- reading products.toml -------------------------------------------------------------

_PRODUCT_FIELDS = {
    "name", "manufacturer", "note", "concentration_mg_per_ml", "vial_sizes_g", "iga_ug_per_ml",
    "iga_contraindication", "at_risk_wording", "volume_caution", "excipients", "indications",
}
_INDICATION_FIELDS = {
    "regimens", "initial_rate_mg_per_kg_min", "initial_min", "step_min", "step_increment_mg_per_kg_min",
    "steps", "max_rate_mg_per_kg_min", "at_risk_max_rate_mg_per_kg_min", "min_age_years", "day2_withhold", "note",
}
_IGA_QUALIFIERS = ("average", "at most", "less than")


def _load_products(path: Path) -> tuple[bytes, dict[str, Product]]:
    raw, data = read_toml(path)
    root = Table(data, path)
    root.only({"products"})
    products_table = root.sub("products")
    products = {pid: _read_product(pid, products_table.sub(pid, product=pid)) for pid in products_table.data}
    if not products:
        raise root.error("products", "no products defined")
    return raw, products


def _sourced(table: Table, key: str, read: Callable[[Table], T], extra: frozenset[str] = frozenset()) -> Sourced[T] | None:
    """An optional `{ value = ..., source = "..." }` field."""
    if not table.has(key):
        return None
    entry = table.sub(key)
    entry.only({"value", "source"} | extra)
    source = entry.text("source")
    return Sourced(read(entry), source)


def _read_product(product_id: str, table: Table) -> Product:
    table.only(_PRODUCT_FIELDS)
    concentration = _sourced(table, "concentration_mg_per_ml", lambda t: t.number("value"))
    vials = _sourced(table, "vial_sizes_g", _read_vial_sizes)
    indications_table = table.sub("indications") if table.has("indications") else None
    indications = {}
    for name in indications_table.data if indications_table else ():
        indications[name] = _read_indication(product_id, name, indications_table.sub(name))
    return Product(
        product_id=product_id,
        name=table.text("name"),
        manufacturer=table.text("manufacturer"),
        note=table.text("note", required=False),
        concentration_mg_per_ml=concentration,
        vial_sizes_g=vials,
        iga_ug_per_ml=_sourced(table, "iga_ug_per_ml", _read_iga, frozenset({"qualifier"})),
        iga_contraindication=_sourced(table, "iga_contraindication", lambda t: t.boolean("value")),
        at_risk_wording=_sourced(table, "at_risk_wording", lambda t: t.text("value")),
        volume_caution=_sourced(table, "volume_caution", lambda t: t.text("value")),
        excipients=_read_excipients(table),
        indications=indications,
    )


def _read_vial_sizes(entry: Table) -> tuple[Decimal, ...]:
    sizes = entry.data.get("value")
    if not isinstance(sizes, list) or not sizes:
        raise entry.error("value", "must be a non-empty list of vial sizes in grams")
    read = [to_positive_decimal(size, whole=False, fail=lambda p: entry.error("value", p)) for size in sizes]
    if len(set(read)) != len(read):
        raise entry.error("value", "lists a vial size twice")
    return tuple(sorted(read))


def _read_iga(entry: Table) -> IgaContent:
    qualifier = entry.text("qualifier")
    if qualifier not in _IGA_QUALIFIERS:
        raise entry.error("qualifier", f"must be one of {', '.join(_IGA_QUALIFIERS)}, got {qualifier!r}")
    return IgaContent(entry.number("value"), qualifier)


def _read_excipients(table: Table) -> tuple[Excipient, ...]:
    items = table.data.get("excipients", [])
    if not isinstance(items, list):
        raise table.error("excipients", "must be a list of tables")
    excipients = []
    for index, item in enumerate(items):
        entry = Table(item, table.path, product=table.product, prefix=f"excipients[{index}].")
        entry.only({"name", "note", "source"})
        excipients.append(Excipient(entry.text("name"), entry.text("note"), entry.text("source")))
    return tuple(excipients)


def _read_indication(product_id: str, indication: str, table: Table) -> IndicationRule:
    table.only(_INDICATION_FIELDS)
    rule = IndicationRule(
        product_id=product_id,
        indication=indication,
        regimens=_sourced(table, "regimens", _read_regimens),
        initial_rate_mg_per_kg_min=_sourced(table, "initial_rate_mg_per_kg_min", lambda t: t.number("value")),
        initial_min=_sourced(table, "initial_min", lambda t: int(t.number("value", whole=True))),
        step_min=_sourced(table, "step_min", lambda t: int(t.number("value", whole=True))),
        step_increment_mg_per_kg_min=_sourced(table, "step_increment_mg_per_kg_min", lambda t: t.number("value")),
        steps=_sourced(table, "steps", _read_label_steps),
        max_rate_mg_per_kg_min=_sourced(table, "max_rate_mg_per_kg_min", lambda t: t.number("value")),
        at_risk_max_rate_mg_per_kg_min=_sourced(table, "at_risk_max_rate_mg_per_kg_min", lambda t: t.number("value")),
        min_age=_sourced(table, "min_age_years",
                         lambda t: Population(int(t.number("value", whole=True)), t.text("wording")), frozenset({"wording"})),
        day2_withhold=_sourced(table, "day2_withhold", lambda t: t.text("value")),
        note=table.text("note", required=False),
    )
    _check_rates_consistent(rule, table)
    return rule


def _read_regimens(entry: Table) -> tuple[Regimen, ...]:
    items = entry.data.get("value")
    if not isinstance(items, list) or not items:
        raise entry.error("value", "must be a non-empty list of regimens")
    regimens = []
    for index, item in enumerate(items):
        regimen = Table(item, entry.path, product=entry.product, prefix=f"{entry.prefix}value[{index}].")
        regimen.only({"dose_g_per_kg", "dose_min_g_per_kg", "dose_max_g_per_kg", "days", "repeat"})
        if regimen.has("dose_g_per_kg"):
            low = high = regimen.number("dose_g_per_kg")
        else:
            low, high = regimen.number("dose_min_g_per_kg"), regimen.number("dose_max_g_per_kg")
            if low > high:
                raise regimen.error("dose_min_g_per_kg", "is above dose_max_g_per_kg")
        days = int(regimen.number("days", whole=True))
        regimens.append(Regimen(low, high, days, regimen.text("repeat", required=False)))
    return tuple(regimens)


def _read_label_steps(entry: Table) -> tuple[LabelStep, ...]:
    items = entry.data.get("value")
    if not isinstance(items, list) or not items:
        raise entry.error("value", "must be a non-empty list of [rate_mg_per_kg_min, duration_min] pairs")
    steps = []
    for index, item in enumerate(items):
        if not isinstance(item, list) or len(item) != 2:
            raise entry.error(f"value[{index}]", "must be a [rate_mg_per_kg_min, duration_min] pair")
        fail = lambda problem, index=index: entry.error(f"value[{index}]", problem)  # noqa: E731
        rate = to_positive_decimal(item[0], whole=False, fail=fail)
        steps.append(LabelStep(rate, int(to_positive_decimal(item[1], whole=True, fail=fail))))
    return tuple(steps)


def _check_rates_consistent(rule: IndicationRule, table: Table) -> None:
    """Refuse data whose rates contradict each other: a ramp built on them could go backwards."""
    maximum = rule.max_rate_mg_per_kg_min.value if rule.max_rate_mg_per_kg_min else None
    initial = rule.initial_rate_mg_per_kg_min.value if rule.initial_rate_mg_per_kg_min else None
    if maximum is not None and initial is not None and initial > maximum:
        raise table.error("initial_rate_mg_per_kg_min", f"{initial} is above max_rate_mg_per_kg_min {maximum}")
    if rule.steps:
        rates = [step.rate_mg_per_kg_min for step in rule.steps.value]
        if rates != sorted(rates):
            raise table.error("steps", "label step rates must not decrease")
        if initial is not None and rates[0] != initial:
            raise table.error("steps", f"first step {rates[0]} differs from initial_rate_mg_per_kg_min {initial}")
        if maximum is not None and rates[-1] > maximum:
            raise table.error("steps", f"a step rate {rates[-1]} is above max_rate_mg_per_kg_min {maximum}")
    if rule.steps and rule.step_increment_mg_per_kg_min:
        raise table.error("steps", "give either label steps or a step increment, not both")
    if rule.step_increment_mg_per_kg_min and not rule.step_min:
        raise table.error("step_increment_mg_per_kg_min", "needs step_min (how often the increment applies)")


__all__ = [
    "Catalog", "CatalogError", "Excipient", "IgaContent", "IndicationRule", "LabelStep", "Population", "Product",
    "Regimen", "Sourced", "load_catalog",
]
