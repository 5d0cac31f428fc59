"""The one clock: every "now" in the app, the worker and the commands comes from `utcnow()`.

Operations never read it themselves; they take `now` from their entry point, so a test
chooses the instant by passing it, or by moving this clock with time-machine.
"""

from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
