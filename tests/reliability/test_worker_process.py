"""The reminder worker is a real process: it sweeps on its schedule and stops cleanly."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def start_worker(database_url: str, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "worker-test"}
    with log_path.open("w") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "reminders", "run", "--interval-seconds", "0.3"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )


def wait_for(path: Path, text: str, *, count: int = 1, timeout_s: float = 30) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        content = path.read_text()
        if content.count(text) >= count:
            return content
        time.sleep(0.1)
    raise AssertionError(f"{text!r} x{count} not seen in {timeout_s}s; log:\n{path.read_text()}")


def test_worker_sweeps_repeatedly_and_stops_on_sigterm(database_url, tmp_path):
    log = tmp_path / "worker.log"
    worker = start_worker(database_url, log)
    try:
        wait_for(log, "sweep: 0 reminder(s) due", count=3)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=15) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    assert "stopped" in log.read_text()
