"""`flask plan`: the clinical engine from the command line.

    flask --app wsgi plan --product octagam_10 --indication itp --weight-kg 80 \\
        --dose-g-per-kg 1 --days 2 --at-risk [--json]

Prints a table a nurse can read, or with ``--json`` the same data the app stores on a booked
visit. Exit status: 0 planned; 2 bad input (one line on stderr); 3 a hard stop, with its
reason. Imports only click and the clinical core, so the app registers it with
``app.cli.add_command(plan_command)`` and tests run it without an app.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

import click

from scheduler.clinical import (
    CatalogError,
    ClinicalRuleViolation,
    CoursePlan,
    InvalidPlanInput,
    PlanRequest,
    load_catalog,
    plan_course,
    plan_to_dict,
)

EXIT_BAD_INPUT = 2
EXIT_HARD_STOP = 3


class _DecimalType(click.ParamType):
    """Numbers stay exact Decimals (80.1 kg is 80.1, not 80.09999...)."""

    name = "number"

    def convert(self, value, param, ctx):
        if isinstance(value, Decimal):
            return value
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.fail(f"{value!r} is not a number", param, ctx)
        if not number.is_finite():
            self.fail(f"{value!r} is not a number", param, ctx)
        return number


class _OneLineErrorsCommand(click.Command):
    """Usage errors as one line on stderr with status 2, like every other bad input here."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            _fail(ctx, f"error: {exc.format_message()}", EXIT_BAD_INPUT)


def _fail(ctx: click.Context, message: str, status: int):
    click.echo(" ".join(message.split()), err=True)
    ctx.exit(status)


NUMBER = _DecimalType()


@click.command("plan", cls=_OneLineErrorsCommand)
@click.option("--product", "product_id", required=True, help="Product id, e.g. octagam_10.")
@click.option("--indication", required=True, help="Indication, e.g. itp or pi.")
@click.option("--weight-kg", required=True, type=NUMBER, help="Actual body weight in kg.")
@click.option("--dose-g-per-kg", required=True, type=NUMBER, help="Dose per day in g/kg.")
@click.option("--days", default=1, show_default=True, type=int, help="Number of infusion days.")
@click.option("--height-cm", type=NUMBER, help="Height in cm (needed for the adjusted weight policy).")
@click.option("--sex", type=click.Choice(["f", "m"], case_sensitive=False), help="Sex, for ideal body weight.")
@click.option("--age-years", type=NUMBER, help="Age; children are always dosed on actual weight.")
@click.option("--weight-policy", type=click.Choice(["actual", "adjusted"]), default="actual", show_default=True)
@click.option("--at-risk", is_flag=True, help="Renal, thrombotic or cardiac risk: apply the at-risk rate cap.")
@click.option("--first-infusion", is_flag=True, help="First infusion: longer observation.")
@click.option("--product-switch", is_flag=True, help="Switched from another product: longer observation.")
@click.option("--iga-deficient-with-antibodies", is_flag=True, help="IgA deficiency with anti-IgA antibodies.")
@click.option("--rounding", default="exact", show_default=True, help="'exact', or round the daily dose to N grams.")
@click.option("--pump-resolution", type=click.Choice(["1", "0.1"]), help="Pump resolution in mL/hr (default: protocol setting).")
@click.option("--protocol-file", envvar="PROTOCOL_FILE", type=click.Path(dir_okay=False),
              help="Organisation protocol file replacing the shipped one [env: PROTOCOL_FILE].")
@click.option("--prescriber-override", "override_reason", default="",
              help="A prescriber's reason to plan outside the label (population, course total or length).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.pass_context
def plan_command(ctx: click.Context, product_id, indication, weight_kg, dose_g_per_kg, days, height_cm, sex,
                 age_years, weight_policy, at_risk, first_infusion, product_switch, iga_deficient_with_antibodies,
                 rounding, pump_resolution, protocol_file, override_reason, as_json) -> None:
    """Plan an IVIG course: daily dose, vials, rate ramp and visit length."""
    request = PlanRequest(
        product_id=product_id,
        indication=indication,
        weight_kg=weight_kg,
        dose_g_per_kg=dose_g_per_kg,
        days=days,
        height_cm=height_cm,
        sex=sex,
        age_years=age_years,
        weight_policy=weight_policy,
        at_risk=at_risk,
        iga_deficient_with_antibodies=iga_deficient_with_antibodies,
        first_infusion=first_infusion,
        product_switch=product_switch,
        rounding=rounding.strip().lower(),
        pump_resolution_ml_per_hr=pump_resolution,
        prescriber_override_reason=override_reason,
    )
    try:
        plan = plan_course(load_catalog(protocol_file), request)
    except (CatalogError, InvalidPlanInput) as exc:
        _fail(ctx, f"error: {exc}", EXIT_BAD_INPUT)
    except ClinicalRuleViolation as exc:
        _fail(ctx, f"hard stop [{exc.code}]: {exc.message}", EXIT_HARD_STOP)
    if as_json:
        click.echo(json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False))
    else:
        click.echo(format_table(plan))


def format_table(plan: CoursePlan) -> str:
    data = plan_to_dict(plan)
    cap = data["cap"]
    lines = [
        f"{plan.product_name} ({plan.product_id}) for {plan.indication}  "
        f"[catalog {plan.catalog_version}, {plan.protocol_name}]",
        f"Weight {data['weight_kg']} kg; dosing weight {data['dosing_weight_kg']} kg: {plan.dosing_weight_why}",
        f"Rates in {plan.rate_basis}",
        f"Dose {data['dose_g_per_kg']} g/kg per day x {data['course_days']} day(s) = {data['total_dose_g']} g; "
        f"{data['concentration_mg_per_ml']} mg/mL; pump resolution {data['pump_resolution_ml_per_hr']} mL/hr",
        f"Rate cap {cap['rate_mg_per_kg_min']} mg/kg/min ({cap['reason']})",
    ]
    for day in data["days"]:
        vials = " + ".join(f"{v['count']} x {v['size_g']} g" for v in day["vials"])
        lines += [
            "",
            f"Day {day['day']}: {day['dose_g']} g = {day['volume_ml']} mL ({day['volume_ml_per_kg']} mL/kg); vials {vials} (waste {day['waste_g']} g)",
            f"  {'from min':>8} {'to min':>8} {'mg/kg/min':>9} {'mL/hr':>7} {'step mL':>8} {'total mL':>8}  source",
        ]
        for step in day["steps"]:
            capped = f" (capped: {step['capped_by']})" if step["capped_by"] else ""
            lines.append(
                f"  {step['start_min']:>8} {step['end_min']:>8} {step['rate_mg_per_kg_min']:>9} "
                f"{step['rate_ml_per_hr']:>7} {step['volume_ml']:>8} {step['cumulative_ml']:>8}  {step['source']}{capped}"
            )
        lines.append(
            f"  Visit {day['visit_min']} min = pre-infusion {day['pre_infusion_min']} + infusion "
            f"{day['infusion_min']} + observation {day['observation_min']}"
        )
    if data["warnings"]:
        lines += ["", "Warnings:"]
        lines += [f"  [{w['code']}] {w['message']}" for w in data["warnings"]]
    return "\n".join(lines)
