"""An organisation's protocol file: used when valid, refused with the field named when not."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scheduler.clinical import CatalogError, PlanRequest, load_catalog, plan_course
from scheduler.clinical.catalog import SHIPPED_PROTOCOL_PATH

SHIPPED = SHIPPED_PROTOCOL_PATH.read_text()


def write_protocol(tmp_path, text: str):
    path = tmp_path / "org-protocol.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("change", "product", "field", "problem"), [
    (lambda t: t.replace("step_factor = 2", "step_factor = 1"), None, "ramp.step_factor", "above 1"),
    (lambda t: t.replace("at_risk_max_rate_mg_per_kg_min = 3.3", 'at_risk_max_rate_mg_per_kg_min = "3.3"'),
     None, "ramp.at_risk_max_rate_mg_per_kg_min", "must be a number"),
    (lambda t: t.replace("pump_resolution_ml_per_hr = 1", "pump_resolution_ml_per_hr = 5"),
     None, "settings.pump_resolution_ml_per_hr", "1 or 0.1"),
    (lambda t: t.replace("observation_min = 30", "observation_min = 0"), None, "settings.observation_min", "greater than zero"),
    (lambda t: t.replace("initial_min = 30", "initial_min = 7.5"), None, "ramp.initial_min", "whole number"),
    (lambda t: t + '\n[products.privigen.itp]\nsource = "protocol"\nstep_min = -5\n',
     "privigen", "products.privigen.itp.step_min", "greater than zero"),
    (lambda t: t + '\n[products.privigen.itp]\nsource = "protocol"\nmax_rate_mg_per_kg_min = 8\n',
     "privigen", "products.privigen.itp.max_rate_mg_per_kg_min", "unknown field"),
    (lambda t: t + '\n[products.privigen.itp]\nstep_min = 15\n', "privigen", "products.privigen.itp.source", "missing"),
    (lambda t: t + '\n[products.nope.itp]\nsource = "protocol"\nstep_min = 15\n', None, "products.nope", "not in the product catalog"),
    (lambda t: t + '\n[products.octagam_10.pi]\nsource = "protocol"\nstep_min = 15\n',
     "octagam_10", "products.octagam_10.pi", "no 'pi' indication"),
    (lambda t: t.split("[settings]")[0], None, "settings", "missing"),
    (lambda t: t.replace('"Itching",', '"' + "x" * 61 + '",'), None, "reactions.types", "1 to 60 characters"),
    (lambda t: t.replace('call = "Call emergency services (911) now, then the prescriber and the agency."\n', ""),
     None, "reactions.severe.call", "missing"),
])
def test_malformed_organisation_file_is_refused_naming_the_field(tmp_path, change, product, field, problem):
    path = write_protocol(tmp_path, change(SHIPPED))
    with pytest.raises(CatalogError) as refused:
        load_catalog(path)
    error = refused.value
    assert error.path == str(path) and error.field == field and error.product == product
    message = str(error)
    assert str(path) in message and f"field '{field}'" in message and problem in message
    if product:
        assert f"product '{product}'" in message


def test_file_that_is_not_toml_is_refused_with_its_name(tmp_path):
    path = write_protocol(tmp_path, "[ramp\nstep_min = ")
    with pytest.raises(CatalogError, match="org-protocol.toml.*not valid TOML"):
        load_catalog(path)


def test_missing_file_is_refused_with_its_name(tmp_path):
    with pytest.raises(CatalogError, match="absent.toml.*cannot be read"):
        load_catalog(tmp_path / "absent.toml")


def test_organisation_override_changes_only_its_product(tmp_path):
    path = write_protocol(tmp_path, SHIPPED + '\n[products.privigen.itp]\nsource = "protocol: order set 7"\nstep_min = 15\n')
    catalog = load_catalog(path)
    privigen = plan_course(catalog, PlanRequest("privigen", "itp", 70, 1, 1)).days[0].steps
    flebogamma = plan_course(catalog, PlanRequest("flebogamma_10_dif", "itp", 70, 1, 1)).days[0].steps
    # Privigen: initial 30 min (protocol default kept), then 15-min steps from the override.
    assert [s.end_min - s.start_min for s in privigen[:3]] == [30, 15, 15]
    # Flebogamma keeps the default 30-min steps.
    assert [s.end_min - s.start_min for s in flebogamma[:3]] == [30, 30, 30]


def test_protocol_cannot_lift_a_rate_above_the_label_maximum(tmp_path):
    # The organisation raises its at-risk cap from 3.3 to 4 mg/kg/min.
    lifted = write_protocol(tmp_path, SHIPPED.replace("at_risk_max_rate_mg_per_kg_min = 3.3", "at_risk_max_rate_mg_per_kg_min = 4"))
    plan = plan_course(load_catalog(lifted), PlanRequest("octagam_10", "itp", 80, 1, 1, at_risk=True))
    # Octagam's label at-risk maximum (3.3) wins over any protocol value.
    assert plan.cap.rate_mg_per_kg_min == Decimal("3.3")
    # Privigen ITP: label maximum 4, so the protocol's 4 changes nothing and nothing exceeds 4.
    plan = plan_course(load_catalog(lifted), PlanRequest("privigen", "itp", 80, 1, 1, at_risk=True))
    assert plan.cap.rate_mg_per_kg_min == 4
    assert max(s.rate_mg_per_kg_min for s in plan.days[0].steps) <= 4
    assert not [w for w in plan.warnings if w.code == "at_risk_cap_applied"]
