"""The reminder worker is a real process: it sweeps on its schedule and stops cleanly."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.processes import spawn

REPO = Path(__file__).resolve().parents[2]


def start_worker(database_url: str, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "worker-test"}
    with log_path.open("w") as log:  # the child keeps its own copy of the descriptor
        return spawn(
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


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_all_serves_the_app_and_ctrl_c_stops_web_and_worker(database_url, tmp_path):
    import urllib.request

    port = free_port()
    log = tmp_path / "run-all.log"
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "run-all-test"}
    with log.open("w") as out:
        # Its own process group, like a terminal's foreground job: Ctrl-C reaches every member.
        group = spawn(
            [sys.executable, "-m", "flask", "--app", "wsgi", "run-all", "--port", str(port)],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        wait_for(log, "sweep: 0 reminder(s) due")
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                    assert response.status == 200
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        os.killpg(group.pid, signal.SIGINT)
        assert group.wait(timeout=20) == 0, log.read_text()
    finally:
        if group.poll() is None:
            os.killpg(group.pid, signal.SIGKILL)
    content = log.read_text()
    assert "stopped" in content and "Traceback" not in content
    # Nothing of the group is left behind: signalling it finds no process.
    time.sleep(0.5)
    try:
        os.killpg(group.pid, 0)
    except ProcessLookupError:
        pass
    else:
        raise AssertionError("a process of run-all survived Ctrl-C")
