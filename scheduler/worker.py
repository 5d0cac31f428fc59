"""The reminder worker: its own process, with APScheduler 3 as nothing more than the clock.

One fixed-id interval job sweeps the reminders table (the outbox). Because the table is the
truth, a restart or a crash loses nothing whatever misfire_grace_time is, and no job ever
carries patient data in its arguments. This is the only module that imports APScheduler.

Until the reminders feature lands, the sweep counts due rows and logs the count: the process,
its schedule and its clean shutdown are real.
"""

from __future__ import annotations

import logging
import os
import signal
import socket

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import func, select

from scheduler.db import make_engine, make_sessionmaker, utcnow
from scheduler.models import Reminder

log = logging.getLogger("scheduler.worker")

SWEEP_JOB_ID = "sweep_reminders"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def sweep_reminders(sessionmaker) -> int:
    """One sweep: the number of due pending reminders (sending arrives with the reminders issue)."""
    with sessionmaker() as session:
        due = session.scalar(
            select(func.count()).select_from(Reminder).where(Reminder.status == "pending", Reminder.due_at <= utcnow())
        )
        session.commit()
    log.info("sweep: %d reminder(s) due", due)
    return due


def run_worker(config, *, interval_seconds: float = 10.0) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # APScheduler logs every run of the sweep at INFO; only its problems are worth a line.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    engine = make_engine(config["DATABASE_URL"])
    sessionmaker = make_sessionmaker(engine)
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(
        sweep_reminders,
        "interval",
        seconds=interval_seconds,
        args=[sessionmaker],
        id=SWEEP_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        next_run_time=utcnow(),
    )

    def stop(signum, _frame):
        # Ctrl-C reaches every process of the terminal's group and run-all then sends
        # SIGTERM too: the second signal must not interrupt the first shutdown.
        if not scheduler.running or stopping:
            return
        stopping.append(signum)
        log.info("worker %s: signal %d, finishing the job in hand", worker_name(), signum)
        scheduler.shutdown(wait=True)

    stopping: list[int] = []

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("worker %s started, sweeping every %.0f s", worker_name(), interval_seconds)
    scheduler.start()
    engine.dispose()
    log.info("worker %s stopped", worker_name())
