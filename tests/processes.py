"""Processes a test starts: each leads its own process group, and the group is killed when the
test ends, passed or failed, so no worker outlives its test (after failed runs, four
`reminders run --interval-seconds 0.1` workers were once found still running an hour later).

They also share the test's clock (tests/clock.py), unless the caller passes `clock=False`.
"""

from __future__ import annotations

import os
import signal
import subprocess

from tests.clock import child_env

_started: list[subprocess.Popen] = []


def spawn(args: list[str], *, env: dict, clock: bool = True, **popen_kwargs) -> subprocess.Popen:
    process = subprocess.Popen(args, env=child_env(env) if clock else env, start_new_session=True, **popen_kwargs)
    _started.append(process)
    return process


def kill_all_started() -> None:
    """SIGKILL every group a test started (its children included) and reap the leaders."""
    while _started:
        process = _started.pop()
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # the whole group has already gone
        process.wait(timeout=10)
