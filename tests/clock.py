"""The suite's clock: every test runs at an instant it chooses, never at the wall clock's.

By default a test runs at SUITE_INSTANT (a weekday morning in the agency's zone), or at the
instant in the TEST_INSTANT environment variable, which CI sets to an evening where the UTC date
is not the Chicago date and to a day the clocks change. A test that needs another instant says
so with `@pytest.mark.instant("2026-11-01T07:30:00+00:00")`. The clock ticks from there, so
durations and timeouts behave as usual.

Processes a test starts get the same timeline through `child_env` (see clockshim/).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from time_machine import escape_hatch

from scheduler.clock import utcnow

# Friday 20 November 2026, 09:00 in Chicago (CST): a working morning in the week the factories
# and the hand-computed cases are set in (their visits start Monday 23 November).
DEFAULT_INSTANT = "2026-11-20T15:00:00+00:00"
SHIM_DIR = Path(__file__).parent / "clockshim"


def suite_instant() -> datetime:
    instant = datetime.fromisoformat(os.environ.get("TEST_INSTANT") or DEFAULT_INSTANT)
    if instant.tzinfo is None:
        raise ValueError("TEST_INSTANT needs an offset, e.g. 2026-06-16T03:30:00+00:00")
    return instant


def child_env(env: dict) -> dict:
    """`env` for a child process that shares this test's clock from now on."""
    path = os.pathsep.join(p for p in (str(SHIM_DIR), env.get("PYTHONPATH", "")) if p)
    return {**env, "PYTHONPATH": path,
            "SCHEDULER_TEST_CLOCK": f"{utcnow().isoformat()}@{escape_hatch.time.time()!r}"}
