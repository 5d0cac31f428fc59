"""Reminder throughput: 10,000 due reminders into a local SMTP server, two ways, side by side.

1. **outbox**: our design. The rows are due in the reminders table; the real worker process
   (`flask reminders run`) claims them in batches with a lease, sends each over one kept-open
   SMTP connection and marks it sent.
2. **date jobs**: the obvious design. One APScheduler 3 `date` job per reminder in a
   `SQLAlchemyJobStore`, each job loading its row, sending it on a fresh SMTP connection and
   marking it sent, with APScheduler's default thread pool and default job settings.

The SMTP server (aiosmtpd on 127.0.0.1) runs in its own process and counts what it accepts.
Reported: messages per second (first to last send), lag from due to sent (p50 / p95 / max),
and what did not arrive (for the date jobs: runs APScheduler skipped as misfired).

    .venv/bin/python -m bench.reminders --backend sqlite|postgres [--count 10000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from scheduler.cli import alembic_config
from scheduler.clock import utcnow
from scheduler.db import make_engine, make_sessionmaker
from scheduler.models import Reminder

REPO = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://scheduler:scheduler@127.0.0.1:5432/scheduler_ci")


def smtp_server(port: int, accepted, ready) -> None:
    """Child process: aiosmtpd accepting everything, counting messages."""
    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            with accepted.get_lock():
                accepted.value += 1
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:  # until the parent terminates this process
        time.sleep(3600)


def fresh_database(backend: str, tmp: Path) -> str:
    from alembic import command

    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:6]}.sqlite3'}"
    else:
        server = make_url(PG_SERVER)
        name = f"bench_reminders_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = server.set(database=name).render_as_string(hide_password=False)
    command.upgrade(alembic_config(url), "head")
    return url


def drop_database(backend: str, url: str) -> None:
    if backend == "postgresql":
        admin = create_engine(make_url(PG_SERVER), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        admin.dispose()


def seed(url: str, count: int) -> tuple[list[int], object]:
    sys.path.insert(0, str(REPO))
    from tests.reliability.reminder_rig import seed_due_reminders

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        due = utcnow()
        seed_due_reminders(session, count, now=due, patients=20, prefix="bench")
        ids = list(session.scalars(select(Reminder.id).order_by(Reminder.id)))
        session.commit()
    engine.dispose()
    return ids, due


def lag_report(url: str, due_by_id=None) -> dict:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(Reminder.id, Reminder.due_at, Reminder.sent_at).where(Reminder.status == "sent")).all()
        statuses = dict(conn.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all())
    engine.dispose()
    from scheduler.db import UTCDateTime  # noqa: F401  (values come back aware through the model type)

    lags = sorted(((r.sent_at - (due_by_id[r.id] if due_by_id else r.due_at)).total_seconds()) for r in rows)
    sends = sorted(r.sent_at for r in rows)
    span = (sends[-1] - sends[0]).total_seconds() if len(sends) > 1 else 0
    return {
        "sent": len(rows), "statuses": statuses,
        "msgs_per_s": round(len(rows) / span, 1) if span else None,
        "lag_p50_s": round(statistics.median(lags), 2) if lags else None,
        "lag_p95_s": round(lags[int(len(lags) * 0.95) - 1], 2) if lags else None,
        "lag_max_s": round(lags[-1], 2) if lags else None,
    }


def run_outbox(url: str, port: int, count: int, accepted, tmp: Path) -> dict:
    ids, _due = seed(url, count)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
           "MAIL_FROM": "reminders@agency.example", "REMINDER_BATCH_SIZE": "100"}
    start = time.monotonic()
    with (tmp / "worker.log").open("w") as log:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "reminders", "run",
                                   "--interval-seconds", "1"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        while accepted.value < count and time.monotonic() - start < 600:
            time.sleep(0.2)
        elapsed = time.monotonic() - start
        time.sleep(1)  # the last rows' `sent` commit
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    report = lag_report(url)
    report.update(accepted=accepted.value, wall_s=round(elapsed, 1))
    return report


# --- the obvious way: one APScheduler date job per reminder ------------------------------

_naive_sessionmaker = None
_naive_port = 0


def naive_send(reminder_id: int) -> None:
    """One job: load the row, send it on a new SMTP connection, mark it sent."""
    with _naive_sessionmaker() as session:
        row = session.get(Reminder, reminder_id)
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "reminders@agency.example", row.patient.email, "Reminder"
        msg["Message-ID"] = f"<{row.dedupe_key}@agency.example>"
        msg.set_content("Your nurse visits tomorrow.")
        with smtplib.SMTP("127.0.0.1", _naive_port, timeout=15) as smtp:
            smtp.send_message(msg)
        row.status, row.sent_at = "sent", utcnow()
        session.commit()


def run_date_jobs(url: str, port: int, count: int, accepted, tmp: Path, backend: str, grace_s=1) -> dict:
    global _naive_sessionmaker, _naive_port
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    ids, _ = seed(url, count)
    engine = make_engine(url)
    _naive_sessionmaker, _naive_port = make_sessionmaker(engine), port
    # A job store of its own file on SQLite (two engines writing one file only adds lock waits).
    store_url = f"sqlite:///{tmp / 'jobs.sqlite3'}" if backend == "sqlite" else url
    # grace_s=1 is APScheduler's default misfire_grace_time; None means "run however late".
    scheduler = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=store_url)}, timezone="UTC",
                                    job_defaults={"misfire_grace_time": grace_s})
    problems = {"missed": 0, "error": 0}
    scheduler.add_listener(lambda e: problems.__setitem__("missed" if e.code == EVENT_JOB_MISSED else "error",
                                                         problems["missed" if e.code == EVENT_JOB_MISSED else "error"] + 1),
                           EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    scheduler.start(paused=True)
    # All due at one moment, set after the time adding them takes (1.5 to 3.5 ms a job on this loaded machine),
    # so the comparison measures the firing, not a backlog of jobs added late.
    due_in_s = 5 + count * 0.008
    run_date = utcnow() + timedelta(seconds=due_in_s)
    added = time.monotonic()
    for reminder_id in ids:
        scheduler.add_job(naive_send, "date", run_date=run_date, args=[reminder_id], id=f"reminder-{reminder_id}")
    add_s = time.monotonic() - added
    scheduler.resume()
    time.sleep(max(0.0, (run_date - utcnow()).total_seconds()))
    start = time.monotonic()
    last, last_change = -1, time.monotonic()
    while time.monotonic() - last_change < 15 and time.monotonic() - start < 900:
        done = accepted.value + problems["missed"] + problems["error"]
        if done >= count:
            break
        if done != last:
            last, last_change = done, time.monotonic()
        time.sleep(0.5)
    elapsed = time.monotonic() - start
    scheduler.shutdown(wait=True)
    engine.dispose()
    due_by_id = {i: run_date for i in ids}
    report = lag_report(url, due_by_id)
    report.update(accepted=accepted.value, wall_s=round(elapsed, 1), add_jobs_s=round(add_s, 1),
                  added_in_time=add_s < due_in_s, **problems)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--only", choices=["outbox", "date-jobs", "date-jobs-no-grace"])
    args = parser.parse_args()
    backend = "postgresql" if args.backend == "postgres" else "sqlite"
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        runs = (("outbox", run_outbox, ()), ("date-jobs", run_date_jobs, (backend,)),
                ("date-jobs-no-grace", run_date_jobs, (backend, None)))
        for name, run, extra in runs:
            if args.only and args.only != name:
                continue
            from tests.reliability.reminder_rig import free_port  # noqa: E402  (after sys.path in seed)

            port, accepted, ready = free_port(), multiprocessing.Value("i", 0), multiprocessing.Event()
            server = multiprocessing.Process(target=smtp_server, args=(port, accepted, ready), daemon=True)
            server.start()
            ready.wait(10)
            url = fresh_database(backend, tmp)
            try:
                report = run(url, port, args.count, accepted, tmp, *extra)
            finally:
                server.terminate()
                server.join(5)
                drop_database(backend, url)
            print(f"{name:18} backend={backend} count={args.count} " + " ".join(f"{k}={v}" for k, v in report.items()),
                  flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    import logging

    # The date-job run logs one "was missed by" warning per skipped job; the count is reported.
    logging.basicConfig(level=logging.ERROR)
    main()
