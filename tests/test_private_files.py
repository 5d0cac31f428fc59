"""Files the app and the worker create are readable by their owner only (0600), whatever the
umask of the shell that started them: the SQLite database and its WAL hold health data, the
console outbox phone numbers and visit times."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import text

from scheduler.app import create_app
from scheduler.config import load_config
from scheduler.notify.channels import Outgoing, channels_from_config
from scheduler.reminders import worker


@pytest.fixture
def open_umask():
    """Start as a shell with the common umask 022 would; put the test run's umask back after."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_database_its_wal_and_the_console_outbox_are_private(open_umask, tmp_path):
    database = tmp_path / "fresh.sqlite3"
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "x" * 32})
    engine = app.extensions["db_engine"]
    with engine.begin() as connection:  # WAL mode: the -wal and -shm files appear with the first write
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        created = sorted(tmp_path.glob("fresh.sqlite3*"))
        assert len(created) >= 2
        assert {p.name: oct(mode(p)) for p in created} == {p.name: oct(0o600) for p in created}
    engine.dispose()
    channels_from_config(app.config, str(tmp_path))["sms"].send(Outgoing("k-1", "+13125550100", "", "Visit tomorrow"))
    assert mode(tmp_path / "console_outbox.jsonl") == 0o600


def test_the_worker_makes_its_files_private_too(open_umask, tmp_path, monkeypatch):
    # Started on its own (not after create_app): the worker sets the umask itself.
    monkeypatch.setattr(worker.BlockingScheduler, "start", lambda self: None)
    monkeypatch.setattr(worker.signal, "signal", lambda *args: None)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'w.sqlite3'}")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    config = load_config(str(tmp_path))  # what `flask reminders run` hands the worker
    worker.run_worker(config, str(tmp_path))
    (tmp_path / "written-after-start").touch()
    assert mode(tmp_path / "written-after-start") == 0o600
