"""A course plan: for each day of an order, the dose, vials, ramp and visit length.

``plan_course(catalog, PlanRequest(...))`` is the one entry point the app and the ``flask
plan`` command call. It checks the request (``InvalidPlanInput``), applies the hard stops
(``ClinicalRuleViolation``: IgA contraindication, product values not confirmed), then puts
together dosing weight -> daily dose -> vials -> ramp -> visit length, and lists the warnings
the nurse and coordinator must see, each with a stable code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from scheduler.clinical.catalog import Catalog, Product
from scheduler.clinical.dosing import DosingWeight, RoundedDose, dosing_weight, round_dose
from scheduler.clinical.errors import ClinicalRuleViolation, InvalidPlanInput, StockShortage
from scheduler.clinical.protocol import PUMP_RESOLUTIONS_ML_PER_HR
from scheduler.clinical.ramp import RampStep, RateCap, applicable_cap, build_ramp, rate_schedule
from scheduler.clinical.session import VisitLength, infusion_min, visit_length
from scheduler.clinical.vials import LotAllocation, StockLot, VialCount, choose_vials, plan_vials_from_stock, remaining_after

# Plausibility bounds on the request, not clinical rules: they catch a weight typed in pounds
# or grams, a dose per course typed as a dose per day. 2 g/kg is the largest total course of
# any label in the catalog (ivig-reference.md §1); 10 days matches the order form.
MIN_WEIGHT_KG, MAX_WEIGHT_KG = Decimal("0.5"), Decimal("300")
MAX_DOSE_G_PER_KG_PER_DAY = Decimal("2")
MAX_DAYS = 10
MIN_HEIGHT_CM, MAX_HEIGHT_CM = Decimal("40"), Decimal("250")
MAX_ROUNDING_G = Decimal("50")
SEXES = {"f": "female", "female": "female", "m": "male", "male": "male"}
WEIGHT_POLICIES = ("actual", "adjusted")


@dataclass(frozen=True)
class PlanRequest:
    product_id: str
    indication: str
    weight_kg: Decimal | float | int | str
    dose_g_per_kg: Decimal | float | int | str
    days: int
    height_cm: Decimal | float | int | str | None = None
    sex: str | None = None
    age_years: Decimal | float | int | str | None = None
    weight_policy: str = "actual"
    at_risk: bool = False  # renal, thrombotic or cardiac risk flags
    iga_deficient_with_antibodies: bool = False
    first_infusion: bool = False
    product_switch: bool = False
    rounding: str | int | Decimal = "exact"  # "exact", or round the daily dose to N grams
    pump_resolution_ml_per_hr: Decimal | float | int | str | None = None  # None: organisation setting
    stock_lots: tuple[StockLot, ...] = ()
    visit_dates: tuple[date, ...] = ()
    # A prescriber's reason to go outside the label (population, course total, course length,
    # daily dose); without it those are refused.
    prescriber_override_reason: str = ""


@dataclass(frozen=True)
class PlanWarning:
    code: str
    message: str


@dataclass(frozen=True)
class DayPlan:
    day: int
    dose_g: Decimal
    volume_ml: Decimal
    waste_g: Decimal
    vials: tuple[VialCount, ...]
    steps: tuple[RampStep, ...]
    visit: VisitLength
    lots: tuple[LotAllocation, ...] = ()
    visit_date: date | None = None
    # Fluid load per kg of ACTUAL body weight: the body takes the whole volume, whatever
    # weight the dose was computed from.
    volume_ml_per_kg: Decimal = Decimal(0)

    @property
    def infusion_min(self) -> Decimal:
        return self.visit.infusion_min

    @property
    def visit_min(self) -> Decimal:
        return self.visit.visit_min


@dataclass(frozen=True)
class CoursePlan:
    product_id: str
    product_name: str
    indication: str
    weight_kg: Decimal
    dosing: DosingWeight
    dose_g_per_kg: Decimal
    days: tuple[DayPlan, ...]
    cap: RateCap
    concentration_mg_per_ml: Decimal
    pump_resolution_ml_per_hr: Decimal
    warnings: tuple[PlanWarning, ...]
    catalog_version: str
    protocol_name: str
    request: PlanRequest

    @property
    def dosing_weight_kg(self) -> Decimal:
        return self.dosing.weight_kg

    @property
    def dosing_weight_why(self) -> str:
        return self.dosing.why

    @property
    def rate_basis(self) -> str:
        """Which weight the mg/kg/min rates are multiplied by, in the words a nurse checks."""
        kind = "adjusted" if self.dosing.adjusted else "actual"
        return f"mg/kg/min of dosing weight {self.dosing.weight_kg.normalize():f} kg, {kind}"

    @property
    def total_dose_g(self) -> Decimal:
        return sum((day.dose_g for day in self.days), Decimal(0))


@dataclass(frozen=True)
class _Inputs:
    weight_kg: Decimal
    dose_g_per_kg: Decimal
    days: int
    height_cm: Decimal | None
    sex: str | None
    age_years: Decimal | None
    rounding_g: Decimal | None
    pump_resolution_ml_per_hr: Decimal


def plan_course(catalog: Catalog, request: PlanRequest) -> CoursePlan:
    settings = catalog.settings
    product = catalog.product(request.product_id)
    inputs = _validated(request, settings.pump_resolution_ml_per_hr)
    rule = product.indication(request.indication)
    _refuse_if_iga_contraindicated(catalog, product, request)
    product.require_plannable(request.indication)
    label_warnings = _outside_label(product, rule, inputs, request)

    dosing = dosing_weight(inputs.weight_kg, policy=request.weight_policy, height_cm=inputs.height_cm,
                           sex=inputs.sex, age_years=inputs.age_years)
    ramp_protocol = catalog.protocol.ramp_for(product.product_id, request.indication)
    schedule = rate_schedule(rule, ramp_protocol)
    cap = applicable_cap(rule, ramp_protocol, at_risk=request.at_risk)
    concentration = product.concentration_mg_per_ml.value

    prescribed_g = inputs.dose_g_per_kg * dosing.weight_kg
    rounded = round_dose(prescribed_g, inputs.rounding_g, settings.rounding_max_deviation_pct) if inputs.rounding_g else None
    dose_g = rounded.dose_g if rounded else prescribed_g
    volume_ml = dose_g * 1000 / concentration

    def ramp_for(volume: Decimal) -> tuple[RampStep, ...]:
        return build_ramp(schedule, cap, weight_kg=dosing.weight_kg, concentration_mg_per_ml=concentration,
                          volume_ml=volume, pump_resolution_ml_per_hr=inputs.pump_resolution_ml_per_hr)

    # Every day has the same dose and weight, so the same ramp; only visits and lots differ.
    steps = ramp_for(volume_ml)
    days = _days(request, inputs, product, dose_g, volume_ml, steps, settings)

    warnings = list(label_warnings)
    if request.at_risk and cap.lowered_by_risk:
        warnings.append(PlanWarning("at_risk_cap_applied", (
            f"At-risk patient: rates capped at {cap.rate_mg_per_kg_min} mg/kg/min ({cap.reason}; "
            f"label maximum {cap.label_max_rate_mg_per_kg_min} mg/kg/min). Source: {cap.source}")))
    if dosing.adjusted:
        warnings.append(PlanWarning("adjusted_weight_used", f"Dosing weight {dosing.weight_kg} kg: {dosing.why}"))
    if rounded:
        warnings.extend(_rounding_warning(rounded))
    if request.at_risk and product.volume_caution:
        warnings.append(_volume_caution(product, days[0], inputs))
    warnings.extend(PlanWarning("excipient", f"{e.name}: {e.note}") for e in product.excipients)
    too_long = [day for day in days if day.visit_min > settings.max_session_min]
    if too_long:
        warnings.append(PlanWarning("session_too_long", _session_too_long(too_long, request, inputs, dose_g, settings, ramp_for, concentration)))

    return CoursePlan(
        product_id=product.product_id,
        product_name=product.name,
        indication=request.indication,
        weight_kg=inputs.weight_kg,
        dosing=dosing,
        dose_g_per_kg=inputs.dose_g_per_kg,
        days=days,
        cap=cap,
        concentration_mg_per_ml=concentration,
        pump_resolution_ml_per_hr=inputs.pump_resolution_ml_per_hr,
        warnings=tuple(warnings),
        catalog_version=catalog.version,
        protocol_name=catalog.protocol.name,
        request=request,
    )


def _days(request, inputs, product, dose_g, volume_ml, steps, settings) -> tuple[DayPlan, ...]:
    infusion = infusion_min(steps)
    lots = tuple(request.stock_lots)
    usual_vials = None if lots else choose_vials(dose_g, product.vial_sizes_g.value)
    days = []
    for number in range(1, inputs.days + 1):
        visit_date = request.visit_dates[number - 1] if request.visit_dates else None
        allocations: tuple[LotAllocation, ...] = ()
        if lots:
            try:
                vials, allocations = plan_vials_from_stock(dose_g, lots, visit_date)
            except StockShortage as exc:
                raise StockShortage(f"Day {number}: {exc.message}") from None
            lots = remaining_after(lots, allocations)
        else:
            vials = usual_vials
        # A first infusion or a switch concerns the course's first day only.
        visit = visit_length(infusion, settings, first_infusion=request.first_infusion and number == 1,
                             product_switch=request.product_switch and number == 1)
        days.append(DayPlan(number, dose_g, volume_ml, vials.waste_g, vials.vials, steps, visit, allocations, visit_date,
                            volume_ml / inputs.weight_kg))
    return tuple(days)


def _outside_label(product: Product, rule, inputs: _Inputs, request: PlanRequest) -> list[PlanWarning]:
    """Where the order leaves the label: refused without a prescriber's reason, or a warning.

    Override, not hard stop, because none of these is a contraindication: the labels say
    what the product is *indicated* for ("adults", "2 g/kg total: 1 g/kg x 2 days"), and
    going beyond an indication is the prescriber's decision to make and to own. The reason is
    recorded on the order and shown to the coordinator and the nurse (docs/clinical-safety.md).
    """
    outside = []
    population = rule.min_age
    if population and inputs.age_years is not None and inputs.age_years < population.value.min_age_years:
        outside.append(f"{product.name} for {request.indication.upper()} is labelled for {population.value.wording}; "
                       f"the patient is {inputs.age_years.normalize():f} years old")
    warnings = []
    if rule.regimens:
        labelled = "; ".join(r.describe() for r in rule.regimens.value)
        course = inputs.dose_g_per_kg * inputs.days
        if inputs.dose_g_per_kg > rule.labelled_max_daily_g_per_kg:
            outside.append(f"{inputs.dose_g_per_kg.normalize():f} g/kg per day is above the label's "
                           f"{rule.labelled_max_daily_g_per_kg.normalize():f} g/kg per day ({labelled})")
        if course > rule.labelled_total_max_g_per_kg:
            outside.append(f"the course of {course.normalize():f} g/kg is above the labelled total of "
                           f"{rule.labelled_total_max_g_per_kg.normalize():f} g/kg ({labelled})")
        if inputs.days > rule.labelled_max_days:
            outside.append(f"{inputs.days} days is longer than any labelled regimen "
                           f"({rule.labelled_max_days} day{'s' if rule.labelled_max_days > 1 else ''} at most: {labelled})")
        if not outside and not rule.is_labelled_regimen(inputs.dose_g_per_kg, inputs.days):
            warnings.append(PlanWarning("unlabelled_regimen", (
                f"{inputs.dose_g_per_kg.normalize():f} g/kg x {inputs.days} day(s) is not a labelled regimen "
                f"of {product.name} for {request.indication.upper()} (labelled: {labelled}). Source: {rule.regimens.source}")))
    if not outside:
        return warnings
    reasons = "; ".join(outside)
    override = (request.prescriber_override_reason or "").strip()
    if not override:
        raise ClinicalRuleViolation("prescriber_override_required", (
            f"Outside the label: {reasons}. A prescriber's override with a reason must be recorded on the order."))
    return [*warnings, PlanWarning("prescriber_override", f"Outside the label: {reasons}. Prescriber's override: {override}")]


def _volume_caution(product: Product, day: DayPlan, inputs: _Inputs) -> PlanWarning:
    return PlanWarning("volume_caution", (
        f"At-risk patient (cardiac, renal or thrombotic): {day.volume_ml.quantize(Decimal('1'))} mL a day "
        f"({day.volume_ml_per_kg.quantize(Decimal('0.1'))} mL/kg of {inputs.weight_kg.normalize():f} kg). "
        f"{product.name} label: \"{product.volume_caution.value}\" Source: {product.volume_caution.source}"))


def _rounding_warning(rounded: RoundedDose) -> list[PlanWarning]:
    if not rounded.within_tolerance:
        return [PlanWarning("dose_not_rounded", rounded.why)]
    return [PlanWarning("dose_rounded", rounded.why)] if rounded.changed else []


def _session_too_long(too_long, request, inputs, dose_g, settings, ramp_for, concentration) -> str:
    longest = max(too_long, key=lambda day: day.visit_min)
    days_list = ", ".join(str(day.day) for day in too_long)
    message = (f"Visit of day {days_list} over the {settings.max_session_min}-min session limit "
               f"(longest {longest.visit_min} min).")
    course_g = dose_g * inputs.days
    for split_days in range(inputs.days + 1, MAX_DAYS + 1):
        per_day_g = course_g / split_days
        infusion = infusion_min(ramp_for(per_day_g * 1000 / concentration))
        visit = visit_length(infusion, settings, first_infusion=request.first_infusion, product_switch=request.product_switch)
        if visit.visit_min <= settings.max_session_min:
            per_day_g_per_kg = (inputs.dose_g_per_kg * inputs.days / split_days).quantize(Decimal("0.01"))
            return message + (f" Alternative: split the course over {split_days} days "
                              f"({per_day_g.quantize(Decimal('0.1'))} g, {per_day_g_per_kg} g/kg per day): "
                              f"visit {visit.visit_min} min. A split is a new regimen: a prescriber must confirm it "
                              "(a new prescription) before it is booked.")
    return message + f" Even split over {MAX_DAYS} days a visit would exceed the limit: review with the prescriber."


def _refuse_if_iga_contraindicated(catalog: Catalog, product: Product, request: PlanRequest) -> None:
    """Hard stop for an IgA-deficient patient with anti-IgA antibodies.

    Refused when the label carries the contraindication, and also when the reference could
    not confirm the label's wording either way: an unconfirmed "probably fine" is not good
    enough for a risk of anaphylaxis.
    """
    if not request.iga_deficient_with_antibodies:
        return
    status = product.iga_contraindication
    if status is not None and not status.value:
        return
    why = ("is contraindicated in IgA-deficient patients with antibodies against IgA" if status
           else "has no confirmed IgA contraindication wording in the catalog, so it cannot be cleared")
    lowest = sorted(
        (p for p in catalog.products.values() if p.iga_ug_per_ml and p.product_id != product.product_id),
        key=lambda p: p.iga_ug_per_ml.value.ug_per_ml,
    )[:3]
    names = ", ".join(f"{p.product_id} ({p.iga_ug_per_ml.value.describe()}{_unplannable_note(p)})" for p in lowest)
    raise ClinicalRuleViolation("iga_contraindication",
                                f"{product.name} {why}. Lowest IgA in the catalog: {names}.")


def _unplannable_note(product: Product) -> str:
    if all(product.missing_for_planning(indication) for indication in product.indications):
        return "; not plannable here: label values unconfirmed"
    return ""


def _validated(request: PlanRequest, default_resolution: Decimal) -> _Inputs:
    weight_kg = _number(request.weight_kg, "weight_kg")
    if not MIN_WEIGHT_KG <= weight_kg <= MAX_WEIGHT_KG:
        raise InvalidPlanInput(f"weight_kg must be between {MIN_WEIGHT_KG} and {MAX_WEIGHT_KG} kg, got {weight_kg}")
    dose = _number(request.dose_g_per_kg, "dose_g_per_kg")
    if not 0 < dose <= MAX_DOSE_G_PER_KG_PER_DAY:
        raise InvalidPlanInput(f"dose_g_per_kg must be above 0 and at most {MAX_DOSE_G_PER_KG_PER_DAY} g/kg per day, got {dose}")
    if isinstance(request.days, bool) or not isinstance(request.days, int) or not 1 <= request.days <= MAX_DAYS:
        raise InvalidPlanInput(f"days must be a whole number from 1 to {MAX_DAYS}, got {request.days!r}")
    height = _number(request.height_cm, "height_cm") if request.height_cm is not None else None
    if height is not None and not MIN_HEIGHT_CM <= height <= MAX_HEIGHT_CM:
        raise InvalidPlanInput(f"height_cm must be between {MIN_HEIGHT_CM} and {MAX_HEIGHT_CM} cm, got {height}")
    sex = None
    if request.sex is not None:
        sex = SEXES.get(str(request.sex).strip().lower())
        if sex is None:
            raise InvalidPlanInput(f"sex must be f or m, got {request.sex!r}")
    age = _number(request.age_years, "age_years", allow_zero=True) if request.age_years is not None else None
    if age is not None and age > 130:
        raise InvalidPlanInput(f"age_years must be at most 130, got {age}")
    if request.weight_policy not in WEIGHT_POLICIES:
        raise InvalidPlanInput(f"weight_policy must be actual or adjusted, got {request.weight_policy!r}")
    if request.weight_policy == "adjusted" and (height is None or sex is None):
        raise InvalidPlanInput("the adjusted weight policy needs height_cm and sex (for ideal body weight)")
    rounding_g = None
    if request.rounding != "exact":
        try:
            rounding_g = _number(request.rounding, "rounding")
        except InvalidPlanInput:
            raise InvalidPlanInput(f"rounding must be 'exact' or a number of grams, got {request.rounding!r}") from None
        if rounding_g > MAX_ROUNDING_G:
            raise InvalidPlanInput(f"rounding must be 'exact' or at most {MAX_ROUNDING_G} g, got {rounding_g}")
    resolution = default_resolution
    if request.pump_resolution_ml_per_hr is not None:
        resolution = _number(request.pump_resolution_ml_per_hr, "pump_resolution_ml_per_hr")
    if resolution not in PUMP_RESOLUTIONS_ML_PER_HR:
        raise InvalidPlanInput(f"pump_resolution_ml_per_hr must be 1 or 0.1, got {resolution}")
    if request.visit_dates and len(request.visit_dates) != request.days:
        raise InvalidPlanInput(f"{len(request.visit_dates)} visit dates given for {request.days} days")
    if request.stock_lots and not request.visit_dates:
        raise InvalidPlanInput("planning from stock lots needs the visit dates (to leave out expired lots)")
    return _Inputs(weight_kg, dose, request.days, height, sex, age, rounding_g, resolution)


def _number(value, name: str, *, allow_zero: bool = False) -> Decimal:
    if isinstance(value, bool):
        raise InvalidPlanInput(f"{name} must be a number, got {value!r}")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidPlanInput(f"{name} must be a number, got {value!r}") from None
    if not number.is_finite() or number < 0 or (number == 0 and not allow_zero):
        raise InvalidPlanInput(f"{name} must be a positive number, got {value!r}")
    return number
