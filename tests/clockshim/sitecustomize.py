"""Test-only: a Python process started by a test runs on that test's clock.

Tests that start the worker or `run-all` put this folder first on the child's PYTHONPATH and set
SCHEDULER_TEST_CLOCK to "<instant>@<real epoch seconds>": the instant the test's clock showed at
the real moment given. Python imports `sitecustomize` at start-up, so every Python process below
the test (run-all's web app and worker included) travels to the same timeline with time-machine
and ticks from there. Production never has this folder on its path, and time-machine is a test
extra, so nothing here can move a production clock.
"""

import os

_clock = os.environ.get("SCHEDULER_TEST_CLOCK")
if _clock:
    import time
    from datetime import datetime, timedelta

    import time_machine

    _instant, _real_epoch_s = _clock.rsplit("@", 1)
    _now = datetime.fromisoformat(_instant) + timedelta(seconds=time.time() - float(_real_epoch_s))
    time_machine.travel(_now, tick=True).start()
