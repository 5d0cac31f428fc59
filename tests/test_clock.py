"""The suite's clock (tests/clock.py): tests run at a chosen instant, and the processes they
start run on the same timeline."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from scheduler.clock import utcnow
from tests.clock import child_env, suite_instant
from tests.processes import spawn

CHILD_NOW = "from scheduler.clock import utcnow; print(utcnow().isoformat())"


def test_a_test_runs_at_the_suite_instant_not_the_machine_clock():
    assert timedelta(0) <= utcnow() - suite_instant() < timedelta(seconds=30)


@pytest.mark.instant("2026-11-01T07:30:00+00:00")
def test_a_marker_chooses_another_instant():
    assert timedelta(0) <= utcnow() - datetime(2026, 11, 1, 7, 30, tzinfo=timezone.utc) < timedelta(seconds=30)


@pytest.mark.instant("2026-03-08T07:59:00+00:00")
def test_a_child_process_shares_the_test_clock_and_keeps_ticking(tmp_path):
    started = utcnow()
    out = subprocess.run([sys.executable, "-c", CHILD_NOW], env=child_env(dict(os.environ)),
                         capture_output=True, text=True, check=True).stdout
    child_now = datetime.fromisoformat(out.strip())
    assert started <= child_now < utcnow() + timedelta(seconds=1)


def test_nothing_in_production_can_move_the_clock():
    """The test clock lives in tests/ only; time-machine is a test extra, not a dependency."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    sources = [p.read_text() for p in (root / "scheduler").rglob("*.py")]
    assert not [s for s in sources if "time_machine" in s or "SCHEDULER_TEST_CLOCK" in s]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.startswith("time-machine")]
    assert [d for d in project["optional-dependencies"]["test"] if d.startswith("time-machine")]


def test_a_started_process_is_killed_with_its_children_when_the_test_ends():
    from tests.processes import _started, kill_all_started

    sleeper = spawn([sys.executable, "-c", "import subprocess, sys, time; "
                     "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"],
                    env=dict(os.environ))
    assert sleeper in _started
    kill_all_started()
    assert sleeper.returncode == -9 and not _started
    for _ in range(100):  # the orphaned grandchild is reaped by init a moment later
        try:
            os.killpg(sleeper.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError("a process of the group survived")
