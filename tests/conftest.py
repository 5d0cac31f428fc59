"""Test fixtures: a real, migrated database per test, on SQLite or PostgreSQL.

Without DATABASE_URL the suite runs on SQLite: the schema is migrated once into a template
file and each test gets its own copy. With DATABASE_URL=postgresql+psycopg://... the suite
creates a fresh database on that server, migrates it once, and empties every table before
each test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from contextlib import contextmanager
from datetime import datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import time_machine

from scheduler.app import create_app
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from scheduler.auth import passwords
from scheduler.cli import alembic_config
from scheduler.db import Base

from tests.clock import suite_instant
from tests.processes import kill_all_started

# Argon2's cheapest profile: the real one costs 64 MiB and tens of milliseconds per hash.
passwords._hasher = PasswordHasher.from_parameters(CHEAPEST)

SERVER_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SERVER_URL.startswith("postgresql")


def migrate(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")


@contextmanager
def new_migrated_database(directory):
    """A new, empty database on the suite's backend, built by the migrations (never by
    create_all); dropped afterwards on PostgreSQL."""
    if ON_POSTGRES:
        server = make_url(SERVER_URL)
        name = f"scheduler_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
        try:
            migrate(url)
            yield url
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        url = f"sqlite:///{directory / 'database.sqlite3'}"
        migrate(url)
        yield url


@pytest.fixture(autouse=True)
def clock(request):
    """Every test runs on the suite's chosen instant (tests/clock.py), or on its own
    `@pytest.mark.instant(...)`; the clock ticks from there. Yields the time-machine traveller,
    so a test can `clock.shift(timedelta(...))` or `clock.move_to(...)`."""
    marker = request.node.get_closest_marker("instant")
    instant = datetime.fromisoformat(marker.args[0]) if marker else suite_instant()
    with time_machine.travel(instant, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _no_process_outlives_its_test():
    yield
    kill_all_started()


@pytest.fixture(scope="session")
def migrated_url(tmp_path_factory):
    with new_migrated_database(tmp_path_factory.mktemp("template")) as url:
        yield url


@pytest.fixture
def database_url(migrated_url, tmp_path):
    if ON_POSTGRES:
        engine = create_engine(migrated_url)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return migrated_url
    source = make_url(migrated_url).database
    target = tmp_path / "test.sqlite3"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "tests-only-" + uuid.uuid4().hex,
            "WTF_CSRF_ENABLED": False,
            # Never the repository's instance folder: a test may install a protocol.
            "PROTOCOL_FILE": str(tmp_path / "protocol.toml"),
        }
    )
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A session for operation tests; the test commits when the rule needs a committed state."""
    with app.extensions["db_sessionmaker"]() as session:
        yield session


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)
