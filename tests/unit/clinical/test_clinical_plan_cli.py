"""`flask plan` run directly with click's test runner: output, JSON shape and exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scheduler.clinical.catalog import SHIPPED_PROTOCOL_PATH
from scheduler.cli.plan import plan_command

ISSUE_EXAMPLE = ["--product", "octagam_10", "--indication", "itp", "--weight-kg", "80", "--dose-g-per-kg", "1", "--at-risk"]


def run(args, env=None):
    try:  # click < 8.2 mixes stderr into stdout unless told not to
        runner = CliRunner(mix_stderr=False)
    except TypeError:
        runner = CliRunner()
    return runner.invoke(plan_command, args, env=env)


def test_json_has_exactly_the_issue_shape():
    result = run([*ISSUE_EXAMPLE, "--json"])
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert {"product", "indication", "weight_kg", "dosing_weight_kg", "days", "warnings"} <= set(plan)
    assert (plan["product"], plan["indication"], plan["weight_kg"], plan["dosing_weight_kg"]) == ("octagam_10", "itp", 80, 80)
    day = plan["days"][0]
    assert {"day", "dose_g", "volume_ml", "waste_g", "vials", "steps", "infusion_min", "visit_min"} <= set(day)
    # Issue example, worked in test_clinical_ramp.py: 80 g = 800 mL from 2 x 30 g + 1 x 20 g;
    # first step 1 mg/kg/min = 48 mL/hr for 30 min = 24 mL; infusion 336.5, visit 396.5 min.
    assert (day["day"], day["dose_g"], day["volume_ml"], day["waste_g"]) == (1, 80, 800, 0)
    assert day["vials"] == [{"size_g": 30, "count": 2}, {"size_g": 20, "count": 1}]
    first = day["steps"][0]
    assert {k: first[k] for k in ("start_min", "end_min", "rate_mg_per_kg_min", "rate_ml_per_hr", "volume_ml")} == {
        "start_min": 0, "end_min": 30, "rate_mg_per_kg_min": 1, "rate_ml_per_hr": 48, "volume_ml": 24}
    assert (day["infusion_min"], day["visit_min"]) == (336.5, 396.5)
    warning_codes = [w["code"] for w in plan["warnings"]]
    assert "at_risk_cap_applied" in warning_codes and all(w["message"] for w in plan["warnings"])
    # JSON number types: whole numbers print as integers, as in the issue.
    assert '"dose_g": 80,' in result.stdout


def test_days_option_plans_each_day():
    plan = json.loads(run([*ISSUE_EXAMPLE, "--days", "2", "--json"]).stdout)
    assert [d["day"] for d in plan["days"]] == [1, 2]


def test_table_for_humans():
    result = run([*ISSUE_EXAMPLE, "--first-infusion"])
    assert result.exit_code == 0
    out = result.stdout
    assert "Octagam 10%" in out and "mL/hr" in out and "2 x 30 g + 1 x 20 g" in out
    assert "Visit 426.5 min = pre-infusion 30 + infusion 336.5 + observation 60" in out
    assert "[at_risk_cap_applied]" in out and "capped: at-risk maximum (label)" in out


def test_adjusted_weight_and_rounding_options():
    result = run(["--product", "gammaplex_5", "--indication", "itp", "--weight-kg", "103", "--dose-g-per-kg", "1",
                  "--height-cm", "160", "--sex", "f", "--weight-policy", "adjusted", "--rounding", "5",
                  "--pump-resolution", "0.1", "--json"])
    plan = json.loads(result.stdout)
    # 72.6 kg adjusted (see test_clinical_dosing), 72.6 g -> 75 g; 0.5 x 72.6 x 60 / 50 = 43.56 -> 43.5
    assert plan["dosing_weight_kg"] == 72.6 and plan["days"][0]["dose_g"] == 75
    assert plan["days"][0]["steps"][0]["rate_ml_per_hr"] == 43.5
    assert {"adjusted_weight_used", "dose_rounded"} <= {w["code"] for w in plan["warnings"]}


@pytest.mark.parametrize(("args", "message"), [
    (["--product", "nope", "--indication", "itp", "--weight-kg", "80", "--dose-g-per-kg", "1"], "unknown product"),
    (["--product", "privigen", "--indication", "itp", "--weight-kg", "0", "--dose-g-per-kg", "1"], "weight_kg"),
    (["--product", "privigen", "--indication", "itp", "--weight-kg", "500", "--dose-g-per-kg", "1"], "weight_kg"),
    (["--product", "privigen", "--indication", "itp", "--weight-kg", "80", "--dose-g-per-kg", "-1"], "dose_g_per_kg"),
    (["--product", "octagam_10", "--indication", "pi", "--weight-kg", "80", "--dose-g-per-kg", "1"], "no 'pi' indication"),
    (["--product", "privigen", "--indication", "itp", "--weight-kg", "abc", "--dose-g-per-kg", "1"], "--weight-kg"),
    (["--product", "privigen", "--indication", "itp", "--dose-g-per-kg", "1"], "Missing option '--weight-kg'"),
    (["--product", "privigen", "--indication", "itp", "--weight-kg", "80", "--dose-g-per-kg", "1", "--pump-resolution", "2"],
     "--pump-resolution"),
])
def test_bad_input_exits_2_with_one_line_on_stderr(args, message):
    result = run(args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr and result.stderr.startswith("error: ")


@pytest.mark.parametrize(("args", "code"), [
    (["--product", "privigen", "--indication", "itp", "--weight-kg", "80", "--dose-g-per-kg", "1",
      "--iga-deficient-with-antibodies"], "iga_contraindication"),
    (["--product", "gammaked", "--indication", "itp", "--weight-kg", "80", "--dose-g-per-kg", "1"], "catalog_incomplete"),
])
def test_hard_stop_exits_3_with_the_reason(args, code):
    result = run(args)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.startswith(f"hard stop [{code}]: ") and len(result.stderr.strip().splitlines()) == 1


def test_protocol_file_from_the_environment(tmp_path):
    org = tmp_path / "org.toml"
    org.write_text(SHIPPED_PROTOCOL_PATH.read_text().replace("pre_infusion_min = 30", "pre_infusion_min = 45"))
    plan = json.loads(run([*ISSUE_EXAMPLE, "--json"], env={"PROTOCOL_FILE": str(org)}).stdout)
    # 45 + 336.5 + 30
    assert plan["days"][0]["visit_min"] == 411.5


def test_malformed_protocol_file_exits_2_naming_the_field(tmp_path):
    org = tmp_path / "org.toml"
    org.write_text(SHIPPED_PROTOCOL_PATH.read_text().replace("step_factor = 2", "step_factor = 0"))
    result = run([*ISSUE_EXAMPLE, "--protocol-file", str(org)])
    assert result.exit_code == 2
    assert "org.toml" in result.stderr and "field 'ramp.step_factor'" in result.stderr
