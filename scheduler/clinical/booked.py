"""The plan stored on a booked visit, read back through one typed value.

`plan_to_dict` writes it as JSON with `"schema": SCHEMA_VERSION`; `BookedPlan.from_dict` is the
one reader, so the stored shape is known in one place. A plan stored before the field existed
is schema 1 (the same shape). A plan of another schema, or one missing what the nurse needs,
is refused with PlanFormatError, never read as if it were this one: a rate is only ever shown
from a plan this code understands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

SCHEMA_VERSION = 1


class PlanFormatError(ValueError):
    pass


def _dec(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class BookedStep:
    start_min: Decimal
    end_min: Decimal
    rate_mg_per_kg_min: Decimal
    rate_ml_per_hr: Decimal
    volume_ml: Decimal
    cumulative_ml: Decimal
    source: str
    capped_by: str | None


@dataclass(frozen=True)
class BookedDay:
    day_number: int
    pre_infusion_min: int
    visit_min: Decimal
    volume_ml: Decimal
    steps: tuple[BookedStep, ...]
    stored: Mapping  # the day as stored, for pages that show its vials and lots


@dataclass(frozen=True)
class BookedPlan:
    schema: int
    product_id: str
    product_name: str
    dosing_weight_kg: Decimal
    concentration_mg_per_ml: Decimal
    pump_resolution_ml_per_hr: Decimal
    cap_rate_mg_per_kg_min: Decimal
    cap_reason: str
    at_risk: bool
    first_infusion: bool
    product_switch: bool
    iga_deficient_with_antibodies: bool
    warnings: tuple[tuple[str, str], ...]  # (code, message)
    days: tuple[BookedDay, ...]

    @classmethod
    def from_dict(cls, data: Mapping | None) -> BookedPlan:
        if not data:
            raise PlanFormatError("This visit has no stored plan.")
        schema = data.get("schema", 1)
        if schema != SCHEMA_VERSION:
            raise PlanFormatError(f"The stored plan is in format {schema!r}; this version reads format {SCHEMA_VERSION}.")
        try:
            cap, request = data["cap"], data.get("request", {})
            return cls(
                schema=schema,
                product_id=data["product"],
                product_name=data.get("product_name", data["product"]),
                dosing_weight_kg=_dec(data["dosing_weight_kg"]),
                concentration_mg_per_ml=_dec(data["concentration_mg_per_ml"]),
                pump_resolution_ml_per_hr=_dec(data["pump_resolution_ml_per_hr"]),
                cap_rate_mg_per_kg_min=_dec(cap["rate_mg_per_kg_min"]),
                cap_reason=cap["reason"],
                at_risk=bool(request.get("at_risk")),
                first_infusion=bool(request.get("first_infusion")),
                product_switch=bool(request.get("product_switch")),
                iga_deficient_with_antibodies=bool(request.get("iga_deficient_with_antibodies")),
                warnings=tuple((w["code"], w["message"]) for w in data.get("warnings", ())),
                days=tuple(_day(n, day) for n, day in enumerate(data["days"], start=1)),
            )
        except (KeyError, TypeError, ArithmeticError) as exc:
            raise PlanFormatError(f"The stored plan is incomplete ({exc!s}).") from None

    def day(self, day_number: int) -> BookedDay | None:
        return self.days[day_number - 1] if 1 <= day_number <= len(self.days) else None


def _day(day_number: int, day: Mapping) -> BookedDay:
    steps = tuple(
        BookedStep(_dec(s["start_min"]), _dec(s["end_min"]), _dec(s["rate_mg_per_kg_min"]), _dec(s["rate_ml_per_hr"]),
                   _dec(s["volume_ml"]), _dec(s["cumulative_ml"]), s["source"], s.get("capped_by"))
        for s in day["steps"]
    )
    return BookedDay(day_number, int(day["pre_infusion_min"]), _dec(day["visit_min"]), _dec(day["volume_ml"]), steps,
                     day)
