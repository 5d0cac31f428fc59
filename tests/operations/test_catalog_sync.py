"""The products table follows the catalog in service: at app start, `flask db upgrade`,
`flask catalog install` and the admin page's install; idempotent; a product that left the
catalog stays for history and is no longer orderable."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, func, select

from scheduler.clinical.catalog import SHIPPED_PROTOCOL_PATH
from scheduler.models import Product, VialSize
from scheduler.operations.catalog import sync_products
from scheduler.operations.orders import InvalidOrder, OrderInput, create_order
from tests.factories import make_patient, make_user

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)


def _rows(session):
    session.expire_all()
    return {p.id: (p.name, p.orderable, tuple(s.size_g for s in p.vial_sizes)) for p in session.scalars(select(Product))}


def _forget_products(session):
    session.execute(delete(VialSize))
    session.execute(delete(Product))
    session.commit()


def test_sync_is_idempotent(app, session):
    catalog = app.extensions["catalog_source"].get()
    before = _rows(session)
    sync_products(session, catalog)
    sync_products(session, catalog)
    session.commit()
    assert _rows(session) == before
    assert session.scalar(select(func.count()).select_from(VialSize)) == sum(len(v[2]) for v in before.values())


def test_a_product_no_longer_in_the_catalog_stays_but_is_not_orderable(app, session):
    session.add(Product(id="retired_ivig", name="Retired IVIG 5%", manufacturer="Gone Inc."))
    session.commit()
    sync_products(session, app.extensions["catalog_source"].get())
    session.commit()
    rows = _rows(session)
    assert rows["retired_ivig"][:2] == ("Retired IVIG 5%", False)
    assert rows["octagam_10"][1] is True


def test_an_order_for_a_product_not_orderable_is_refused_naming_the_field(app, session):
    session.add(Product(id="retired_ivig", name="Retired IVIG 5%", orderable=False))
    patient = make_patient(session)
    actor = make_user(session, role="coordinator")
    values = OrderInput(patient_id=patient.id, product_id="retired_ivig", indication="itp", dose_g_per_kg=1.0, days=2,
                        weight_policy="actual", rounding_g=None, premedication="", first_infusion=False,
                        product_switch=False, earliest_start=date(2026, 11, 18), window_days=4, prescriber="")
    with pytest.raises(InvalidOrder) as refused:
        create_order(session, values, app.extensions["catalog_source"].get(), actor=actor, now=NOW)
    assert "no longer in the catalog" in refused.value.errors["product_id"]


def test_db_upgrade_syncs_the_products(app, runner, session):
    _forget_products(session)
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "octagam_10" in _rows(session)


def test_catalog_install_syncs_the_products(app, runner, session, tmp_path):
    _forget_products(session)
    protocol = tmp_path / "ours.toml"
    protocol.write_text(SHIPPED_PROTOCOL_PATH.read_text().replace('name = "Shipped default protocol"', 'name = "Ours"'))
    result = runner.invoke(args=["catalog", "install", str(protocol)])
    assert result.exit_code == 0, result.output
    assert "octagam_10" in _rows(session)


def test_app_start_syncs_the_products(app, session):
    from scheduler.app import create_app

    _forget_products(session)
    create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "x" * 32,
                "PROTOCOL_FILE": app.config["PROTOCOL_FILE"]}).extensions["db_engine"].dispose()
    assert "octagam_10" in _rows(session)


def test_app_start_on_a_database_not_yet_migrated_skips_the_sync(tmp_path):
    from scheduler.app import create_app

    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x" * 32,
                      "PROTOCOL_FILE": str(tmp_path / "protocol.toml")})
    app.extensions["db_engine"].dispose()
