"""What every process does when it starts, before serving anyone: bring the products table
in step with the catalog in service.

Called by the entry points (app factory, `flask db upgrade`, `flask catalog install`, the
reminder worker); each call is its own unit of work and commits once.
"""

from __future__ import annotations

import logging

from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError, NoSuchTableError, OperationalError, ProgrammingError

from scheduler.db import make_sessionmaker

log = logging.getLogger("scheduler.startup")


def schema_has_products(engine) -> bool:
    """The products table with its `orderable` column exists (the migrations have run)."""
    try:
        columns = {c["name"] for c in inspect(engine).get_columns("products")}
    except (NoSuchTableError, OperationalError, ProgrammingError):
        return False
    return "orderable" in columns


def agency_time_zone(engine) -> str | None:
    """The zone chosen at `flask setup` (or by the demo), None before there is an agency."""
    from sqlalchemy import select

    from scheduler.models import Agency

    if not schema_has_products(engine):
        return None
    with make_sessionmaker(engine)() as session:
        return session.scalar(select(Agency.timezone).order_by(Agency.id).limit(1))


def sync_catalog_products(engine, catalog) -> bool:
    """Insert or update the products of `catalog`; False (and nothing done) when the schema
    is not migrated yet, e.g. `flask db upgrade` on a new database, which syncs afterwards."""
    from scheduler.operations.catalog import sync_products

    if not schema_has_products(engine):
        log.info("products not synced with the catalog: the database is not migrated yet (run flask db upgrade)")
        return False
    sessionmaker = make_sessionmaker(engine)
    # Several web workers starting at once may insert the same new product: the loser of that
    # race finds the winner's rows on its second try.
    for attempt in (1, 2):
        with sessionmaker() as session:
            try:
                sync_products(session, catalog)
                session.commit()
                return True
            except IntegrityError:
                session.rollback()
                if attempt == 2:
                    raise
    return True
