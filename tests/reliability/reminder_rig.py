"""The reminder test rig: a real SMTP server (aiosmtpd), a real HTTP server standing in for
the SMS provider, due reminders seeded in bulk, and the worker started as a subprocess.

Loopback only. The servers record every accepted message with its dedupe key (the email's
Message-ID, the SMS request's Idempotency-Key), so a test counts lost and duplicate
deliveries from what arrived, not from what the database claims.
"""

from __future__ import annotations

import json
import re
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, time as clock_time, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from sqlalchemy import insert

from scheduler.models import Reminder
from tests.factories import make_nurse, make_order, make_patient, make_visit
from tests.processes import spawn

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port that was free a moment ago (aiosmtpd cannot be given port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpRecorder:
    """aiosmtpd on 127.0.0.1, in a thread of the test process."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.message_ids: list[str] = []
        self.recipients: list[str] = []
        self.raw: list[bytes] = []  # every message whole, for tests that read the content
        self.lock = threading.Lock()
        recorder = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
                message = message_from_bytes(envelope.content)
                with recorder.lock:
                    recorder.message_ids.append(message["Message-ID"])
                    recorder.recipients.extend(envelope.rcpt_tos)
                    recorder.raw.append(envelope.content)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    def counts(self) -> Counter:
        with self.lock:
            return Counter(self.message_ids)

    def take(self) -> list[bytes]:
        """The messages received since the last take."""
        with self.lock:
            taken, self.raw = self.raw, []
        return taken


class SmsRecorder:
    """A Twilio-style Messages endpoint: answers {"sid": ...}; can fail the first k requests."""

    def __init__(self, *, fail_first: int = 0, status_on_failure: int = 500):
        self.keys: list[str] = []
        self.bodies: list[str] = []
        self.fail_left = fail_first
        self.lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
                with recorder.lock:
                    if recorder.fail_left > 0:
                        recorder.fail_left -= 1
                        self.send_response(status_on_failure)
                        self.end_headers()
                        return
                    recorder.keys.append(self.headers.get("Idempotency-Key", ""))
                    recorder.bodies.append(form.get("Body", [""])[0])
                    sid = f"SM{len(recorder.keys):08d}"
                body = json.dumps({"sid": sid}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/2010-04-01"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def counts(self) -> Counter:
        """Deliveries per reminder: a text split into parts ("KEY-part1", "KEY-part2") counts
        once, by its first part."""
        with self.lock:
            keys = list(self.keys)
        return Counter(re.sub(r"-part1$", "", key) for key in keys if not re.search(r"-part(?!1$)\d+$", key))


def worker_env(database_url: str, *, smtp: SmtpRecorder | None = None, sms: SmsRecorder | None = None,
               lease_seconds: int = 2, **extra) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "reminder-tests",
           "REMINDER_LEASE_SECONDS": str(lease_seconds), "REMINDER_BATCH_SIZE": "20", **extra}
    if smtp:
        env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp.port), MAIL_FROM="reminders@agency.example")
    if sms:
        env.update(SMS_API_URL=sms.url, SMS_ACCOUNT_SID="AC-test", SMS_AUTH_TOKEN="sms-token", SMS_FROM="+15550000000")
    return env


def start_worker(env: dict, log_path: Path, *, interval_s: float = 0.2, wait_started: bool = False) -> subprocess.Popen:
    with log_path.open("a") as log:
        worker = spawn(
            [sys.executable, "-m", "flask", "--app", "wsgi", "reminders", "run", "--interval-seconds", str(interval_s)],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    if wait_started:
        # Until it says so, its SIGTERM handler is not installed yet.
        wait_until(lambda: f":{worker.pid} started" in log_path.read_text() or worker.poll() is not None,
                   timeout_s=120, what="the worker to start")  # a ceiling: a loaded machine starts slowly
    return worker


def stop_worker(worker: subprocess.Popen, *, timeout_s: float = 45) -> int:
    # Generous: SIGTERM lets the sweep finish the message in hand, which on a loaded 2-core
    # machine can include waiting out SQLite's busy timeout (15 s) for the write lock.
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    try:
        return worker.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
        raise


def wait_until(predicate, *, timeout_s: float, what: str, poll_s: float = 0.1) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(poll_s)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


def reminder_patient(session, *, channel: str = "email", now: datetime, **overrides):
    """A patient who consented, with no quiet hours (tests run at any hour of the day)."""
    values = dict(preferred_channel=channel, email="pat@example.org", phone_e164="+12015550123",
                  email_consent_at=now, sms_consent_at=now, quiet_start=clock_time(0), quiet_end=clock_time(0))
    return make_patient(session, **{**values, **overrides})


def seed_due_reminders(session, count: int, *, now: datetime, channels=("email",), patients: int = 10,
                       prefix: str = "due") -> list[str]:
    """`count` reminders due now, spread over a few patients' visits tomorrow; their keys."""
    nurse = make_nurse(session)
    visits = []
    for i in range(patients):
        patient = reminder_patient(session, channel="both", now=now)
        order = make_order(session, patient=patient)
        visits.append(make_visit(session, order=order, nurse=nurse, starts_at=now + timedelta(days=1, hours=6 * i)))
    rows, keys = [], []
    for i in range(count):
        visit, channel = visits[i % patients], channels[i % len(channels)]
        key = f"{prefix}-{i}-{channel}"
        keys.append(key)
        rows.append(dict(kind="visit_eve", channel=channel, patient_id=visit.patient_id, visit_id=visit.id,
                         due_at=now, expires_at=visit.starts_at, next_attempt_at=now, status="pending", attempts=0,
                         dedupe_key=key, created_at=now))
    session.execute(insert(Reminder), rows)
    session.commit()
    return keys


def key_of_message_id(message_id: str) -> str:
    """Our dedupe key back from the Message-ID the channel built (<reminder.KEY@domain>)."""
    return message_id.strip("<>").split("@")[0].removeprefix("reminder.")
