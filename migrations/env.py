"""Alembic environment: the schema comes from these revisions, never from create_all."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool

import scheduler.models  # noqa: F401  (registers every table on Base.metadata)
from scheduler.db import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def render_item(type_, obj, autogen_context):
    # Revisions must not import application code that may change later: write the
    # UTC type as the plain column type it is underneath.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite can hardly ALTER: batch mode copies the table (a no-op elsewhere).
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return

    url = config.get_main_option("sqlalchemy.url") or os.environ["DATABASE_URL"]
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch mode drops and recreates tables: foreign keys must be off meanwhile
            # (Alembic batch docs); the app turns them on for its own connections.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            # SQLAlchemy began a transaction for the PRAGMA; end it, or Alembic would run
            # inside it and the version stamp would be rolled back on close.
            connection.commit()
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
        if connection.dialect.name == "sqlite":
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"foreign key violations after migration: {problems[:5]}")
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported: batch mode needs a live database.")
run_migrations_online()
