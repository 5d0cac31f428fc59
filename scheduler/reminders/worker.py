"""The reminder worker: its own process, with APScheduler 3 as nothing more than the clock.

One fixed-id interval job sweeps the reminders table (the outbox, scheduler/reminders/relay.py).
Because the table is the truth, a restart or a crash loses nothing whatever
misfire_grace_time is, and no job ever carries patient data in its arguments. This is the
only module that imports APScheduler.

SIGTERM (or Ctrl-C) sets a stop flag: the sweep finishes the message in hand, gives the
rest of its batch back to the queue, and the process exits 0.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from datetime import timedelta

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED
from apscheduler.schedulers.blocking import BlockingScheduler

from scheduler.clock import utcnow
from scheduler.config import LOCAL_BASE_URL, make_new_files_private
from scheduler.db import make_engine, make_sessionmaker
from scheduler.notify.channels import channels_from_config
from scheduler.operations.catalog import CatalogSource
from scheduler.reminders.relay import RelaySettings, sweep
from scheduler.startup import sync_catalog_products

log = logging.getLogger("scheduler.reminders.worker")

SWEEP_JOB_ID = "sweep_reminders"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def sweep_reminders(sessionmaker, settings: RelaySettings) -> None:
    counts = sweep(sessionmaker, settings)
    details = ", ".join(f"{counts[k]} {k}" for k in ("sent", "retry", "failed", "expire", "cancel", "defer", "released")
                        if counts[k])
    log.info("sweep: %d reminder(s) due%s", counts["due"], f" ({details})" if details else "")


def _local_base_url() -> str:
    log.warning("PUBLIC_BASE_URL is not set: links in messages point to %s", LOCAL_BASE_URL)
    return LOCAL_BASE_URL


def relay_settings(config, instance_path: str, *, worker: str) -> RelaySettings:
    return RelaySettings(
        worker=worker,
        channels=channels_from_config(config, instance_path),
        secret_key=config["SECRET_KEY"],
        public_base_url=config["PUBLIC_BASE_URL"] or _local_base_url(),
        batch_size=config["REMINDER_BATCH_SIZE"],
        lease=timedelta(seconds=config["REMINDER_LEASE_SECONDS"]),
        max_attempts=config["REMINDER_MAX_ATTEMPTS"],
        mail_from=config["MAIL_FROM"],
        advice_fn=_advice_source(config),
    )


def _advice_source(config):
    """The patient advice of the organisation's protocol file, reloaded when it changes."""
    from scheduler.clinical.advice import advice_of
    from scheduler.operations.catalog import CatalogSource

    source = CatalogSource(config["PROTOCOL_FILE"])
    return lambda: advice_of(source.get().protocol)


def run_worker(config, instance_path: str, *, interval_seconds: float = 10.0) -> None:
    make_new_files_private()  # the console outbox file holds phone numbers and visit times
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # APScheduler logs every run of the sweep at INFO; only its problems are worth a line.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # A sweep that drains a backlog outlasts its interval; the skipped runs are by design
    # (max_instances=1, coalesce), not worth a warning each.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
    engine = make_engine(config["DATABASE_URL"])
    sessionmaker = make_sessionmaker(engine)
    # The worker may be the first process started after an upgrade or a protocol install.
    sync_catalog_products(engine, CatalogSource(config["PROTOCOL_FILE"]).get())
    settings = relay_settings(config, instance_path, worker=worker_name())
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(
        sweep_reminders,
        "interval",
        seconds=interval_seconds,
        args=[sessionmaker, settings],  # no patient data: the rows are read by each sweep
        id=SWEEP_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
        next_run_time=utcnow(),
    )
    scheduler.add_listener(lambda event: log.error("sweep job %s: %s", event.job_id, getattr(event, "exception", "missed")),
                           EVENT_JOB_ERROR | EVENT_JOB_MISSED)

    def stop(signum, _frame):
        # Ctrl-C reaches every process of the terminal's group and run-all then sends
        # SIGTERM too: the second signal must not interrupt the first shutdown.
        if not scheduler.running or stopping:
            return
        stopping.append(signum)
        log.info("worker %s: signal %d, finishing the reminder in hand", worker_name(), signum)
        settings.stop.set()
        scheduler.shutdown(wait=True)

    stopping: list[int] = []

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("worker %s started, sweeping every %.1f s", worker_name(), interval_seconds)
    scheduler.start()
    for channel in settings.channels.values():
        channel.close()
    engine.dispose()
    log.info("worker %s stopped", worker_name())
