"""kill -9 the reminder worker while it sends: nothing is lost, nothing stays mid-send, and
duplicates stay within the documented window (reliability-security.md 4.3, REM-05).

M reminders due now (CRASH_REMINDERS, default 300) go to a real SMTP server and a real
HTTP "SMS provider". The worker runs as a subprocess and is killed with SIGKILL at random
moments N times (CRASH_KILLS, default 20); then a clean run drains the queue. The only
duplicate window is a kill between the provider accepting a message and the `sent`
commit, and the worker sends one message at a time, so each kill adds at most one
duplicate: duplicates <= kills.

On PostgreSQL a second test runs two workers at once (FOR UPDATE SKIP LOCKED): every
reminder arrives exactly once.
"""

from __future__ import annotations

import os
import random
import signal
import time

import pytest
from sqlalchemy import func, select

from scheduler.clock import utcnow
from scheduler.models import Reminder
from tests.conftest import ON_POSTGRES
from tests.reliability.reminder_rig import (
    SmsRecorder,
    SmtpRecorder,
    key_of_message_id,
    seed_due_reminders,
    start_worker,
    stop_worker,
    wait_until,
    worker_env,
)

CRASH_REMINDERS = int(os.environ.get("CRASH_REMINDERS", "300"))
CRASH_KILLS = int(os.environ.get("CRASH_KILLS", "20"))
BACKEND = "postgresql" if ON_POSTGRES else "sqlite"
LEASE_S = 2
DRAIN_TIMEOUT_S = 120


def statuses(session) -> dict[str, int]:
    counts = dict(session.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all())
    session.rollback()  # on SQLite every transaction holds the write lock (BEGIN IMMEDIATE)
    return counts


def claimed_unsent(session, pid: int) -> int:
    """Rows the worker with this pid claimed and has not marked sent (its name ends in :pid)."""
    count = session.scalar(select(func.count()).select_from(Reminder).where(
        Reminder.status == "sending", Reminder.claimed_by.like(f"%:{pid}")))
    session.rollback()
    return count


def deliveries(smtp: SmtpRecorder, sms: SmsRecorder):
    delivered = {key_of_message_id(mid): n for mid, n in smtp.counts().items()}
    delivered.update(sms.counts())
    return delivered


@pytest.mark.slow
def test_kill_9_while_sending_loses_nothing(session, database_url, tmp_path):
    keys = seed_due_reminders(session, CRASH_REMINDERS, now=utcnow(), channels=("email", "sms"))
    rng = random.Random(int(os.environ.get("CRASH_SEED", "6")))
    log = tmp_path / "worker.log"
    with SmtpRecorder() as smtp, SmsRecorder() as sms:
        env = worker_env(database_url, smtp=smtp, sms=sms, lease_seconds=LEASE_S)
        kills = kills_mid_send = 0
        for _ in range(CRASH_KILLS):
            worker = start_worker(env, log, interval_s=0.1)
            # Wait for this worker's first claim, not a guessed start-up time, then kill it
            # somewhere in its sends.
            wait_until(lambda w=worker: claimed_unsent(session, w.pid) > 0 or w.poll() is not None,
                       timeout_s=60, what="the worker to claim reminders", poll_s=0.02)
            time.sleep(rng.uniform(0, 0.4))
            if worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
                kills += 1
            worker.wait(timeout=10)
            # Rows it claimed and never marked sent: the kill landed mid-send.
            kills_mid_send += claimed_unsent(session, worker.pid) > 0
            if sum(deliveries(smtp, sms).values()) >= CRASH_REMINDERS:
                break
        # A clean run drains the queue, including rows whose lease a kill left behind.
        worker = start_worker(env, log, interval_s=0.2, wait_started=True)
        try:
            wait_until(lambda: statuses(session).get("sent", 0) == CRASH_REMINDERS, timeout_s=DRAIN_TIMEOUT_S,
                       what="every reminder sent")
        finally:
            assert stop_worker(worker) == 0
        delivered = deliveries(smtp, sms)
    final = statuses(session)
    lost = sum(1 for key in keys if key not in delivered)
    duplicates = sum(delivered.values()) - len(delivered)
    sent = final.get("sent", 0)
    print(f"\nreminders: due={CRASH_REMINDERS} sent={sent} lost={lost} duplicates={duplicates} kills={kills} "
          f"kills_mid_send={kills_mid_send} backend={BACKEND}")
    # Not vacuous: workers were killed, and at least once while holding claimed, unsent rows.
    assert kills > 0 and kills_mid_send > 0, (kills, kills_mid_send)
    assert lost == 0
    assert final.get("sending", 0) == 0, final
    assert set(delivered) <= set(keys)
    assert duplicates <= kills, f"{duplicates} duplicates for {kills} kills"


@pytest.mark.slow
@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="SKIP LOCKED: several workers share the load on PostgreSQL only")
def test_two_workers_share_the_queue_and_send_each_reminder_once(session, database_url, tmp_path):
    count = max(CRASH_REMINDERS, 200)
    keys = seed_due_reminders(session, count, now=utcnow(), channels=("email", "sms"), prefix="pair")
    with SmtpRecorder() as smtp, SmsRecorder() as sms:
        env = worker_env(database_url, smtp=smtp, sms=sms, lease_seconds=60)
        workers = [start_worker(env, tmp_path / f"worker{i}.log", interval_s=0.1, wait_started=True) for i in range(2)]
        try:
            wait_until(lambda: statuses(session).get("sent", 0) == count, timeout_s=DRAIN_TIMEOUT_S,
                       what="every reminder sent")
        finally:
            codes = [stop_worker(w) for w in workers]
        delivered = deliveries(smtp, sms)
    by_worker = dict(session.execute(select(Reminder.claimed_by, func.count()).group_by(Reminder.claimed_by)).all())
    print(f"\nreminders: due={count} sent={sum(delivered.values())} workers={len(by_worker)} "
          f"split={sorted(by_worker.values())} backend={BACKEND}")
    assert codes == [0, 0]
    assert sorted(delivered) == sorted(keys)
    assert set(delivered.values()) == {1}, "a reminder was sent twice"
