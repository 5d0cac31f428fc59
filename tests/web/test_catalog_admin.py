"""The organisation's protocol: checked and installed from the admin page and the CLI, picked
up by running processes, never changing a booked visit."""

import io

import pytest

from scheduler.clinical.catalog import SHIPPED_PROTOCOL_PATH
from tests.factories import PASSWORD, make_user

SHIPPED = SHIPPED_PROTOCOL_PATH.read_text()
ORG_PROTOCOL = SHIPPED.replace('name = "Shipped default protocol"', 'name = "Lakeshore haematology protocol"').replace(
    "pre_infusion_min = 30", "pre_infusion_min = 45")
BROKEN = SHIPPED.replace("step_min = 30", "step_min = -5")


@pytest.fixture
def admin_client(client, session):
    make_user(session, role="admin", email="admin@example.org")
    session.commit()
    assert client.post("/login", data={"email": "admin@example.org", "password": PASSWORD}).status_code == 302
    return client


def upload(client, text: str, button: str, name="org.toml"):
    return client.post("/admin/catalog/", data={"protocol_file": (io.BytesIO(text.encode()), name), button: "1"},
                       content_type="multipart/form-data")


def test_catalog_page_shows_values_with_their_sources(admin_client):
    body = admin_client.get("/admin/catalog/").get_data(as_text=True)
    assert "Octagam 10%" in body and "pfizerpro.com" in body
    assert "Shipped default protocol" in body


def test_a_malformed_protocol_is_refused_naming_the_file_and_field(admin_client, app):
    response = upload(admin_client, BROKEN, "install", name="ours.toml")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ours.toml" in body and "step_min" in body
    assert app.extensions["catalog_source"].get().protocol.name == "Shipped default protocol"


def test_check_does_not_install(admin_client, app):
    response = upload(admin_client, ORG_PROTOCOL, "check")
    assert response.status_code == 200 and "Lakeshore haematology protocol" in response.get_data(as_text=True)
    assert app.extensions["catalog_source"].get().protocol.name == "Shipped default protocol"


def test_install_puts_the_protocol_in_service(admin_client, app):
    before = app.extensions["catalog_source"].get().version
    assert upload(admin_client, ORG_PROTOCOL, "install").status_code == 302
    catalog = app.extensions["catalog_source"].get()
    assert catalog.protocol.name == "Lakeshore haematology protocol"
    assert catalog.settings.pre_infusion_min == 45 and catalog.version != before


def test_another_process_picks_up_an_installed_protocol(app, tmp_path):
    from scheduler.operations.catalog import CatalogSource, install_protocol

    other_process = CatalogSource(app.config["PROTOCOL_FILE"])
    assert other_process.get().protocol.name == "Shipped default protocol"
    source = tmp_path / "new.toml"
    source.write_text(ORG_PROTOCOL)
    install_protocol(str(source), app.config["PROTOCOL_FILE"])
    assert other_process.get().protocol.name == "Lakeshore haematology protocol"


def test_a_file_broken_on_disk_keeps_the_previous_catalog_in_service(app):
    from pathlib import Path

    source = app.extensions["catalog_source"]
    Path(app.config["PROTOCOL_FILE"]).write_text(BROKEN)
    assert source.get().protocol.name == "Shipped default protocol"
    assert "step_min" in source.last_error


def test_cli_check_and_install(runner, tmp_path, app):
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(ORG_PROTOCOL)
    bad.write_text(BROKEN)
    refused = runner.invoke(args=["catalog", "check", str(bad)])
    assert refused.exit_code == 2 and "step_min" in refused.output
    assert runner.invoke(args=["catalog", "install", str(bad)]).exit_code == 2
    installed = runner.invoke(args=["catalog", "install", str(good)])
    assert installed.exit_code == 0, installed.output
    assert app.extensions["catalog_source"].get().protocol.name == "Lakeshore haematology protocol"
    summary = runner.invoke(args=["catalog", "check"])
    assert "octagam_10" in summary.output and "gammaked" in summary.output and "refuses planning" in summary.output


def test_installing_a_protocol_never_changes_a_booked_visit(app, session):
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from scheduler.operations.catalog import install_protocol
    from scheduler.operations.visits import book_series
    from tests.factories import make_nurse, make_order, make_patient, make_product

    nurse = make_nurse(session)
    order = make_order(session, patient=make_patient(session), product=make_product(session))
    start = datetime.combine(order.earliest_start, time(8), tzinfo=ZoneInfo("America/Chicago"))
    [visit, _] = book_series(session, order.id, nurse.id, start, app.extensions["catalog_source"].get(), actor=None,
                             now=start - timedelta(days=3))
    session.commit()
    stored = (visit.catalog_version, visit.plan, visit.ends_at)
    path = app.config["PROTOCOL_FILE"] + ".new"
    with open(path, "w") as fh:
        fh.write(ORG_PROTOCOL)
    install_protocol(path, app.config["PROTOCOL_FILE"])
    assert app.extensions["catalog_source"].get().settings.pre_infusion_min == 45
    session.expire_all()
    assert (visit.catalog_version, visit.plan, visit.ends_at) == stored
    assert stored[1]["days"][0]["pre_infusion_min"] == 30
