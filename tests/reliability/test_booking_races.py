"""No double booking under real concurrency (CONC-03 in reliability-security.md).

Contenders are released together by a barrier, each with its own session (threads) or its
own engine (processes), and race for overlapping slots: the same nurse, the same patient
with different nurses, and reschedules racing with bookings. In every round exactly one
wins and every other gets a clear refusal (SchedulingConflict, or "already booked" when
two coordinators book the same order), never a raw IntegrityError, OperationalError,
"database is locked" or deadlock. After all rounds plain SQL checks the invariant: no two
overlapping active visits for any nurse or any patient, no order booked twice.

Runs on the SQLite file database (WAL, BEGIN IMMEDIATE) by default and on PostgreSQL when
DATABASE_URL is set. Each round has its own nurses and patients, so rounds do not disturb
one another and every loser loses to that round's winner, not to an earlier round.
"""

from __future__ import annotations

import multiprocessing
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from scheduler.clinical import load_catalog
from scheduler.db import make_engine, make_sessionmaker
from scheduler.models import User
from scheduler.operations import DomainError
from scheduler.operations.visits import SchedulingConflict, book_series, cancel_visit, reschedule_visit
from tests.factories import make_nurse, make_order, make_patient, make_product, make_user

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
MONDAY = date(2026, 11, 23)
CONTENDERS = 4
ROUNDS = 30
KINDS = ("same_nurse", "same_patient", "reschedule")
BARRIER_TIMEOUT_S = 60

pytestmark = pytest.mark.slow


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh), tzinfo=CHICAGO) + timedelta(minutes=mm)


@dataclass(frozen=True)
class Task:
    kind: str  # "book", "reschedule" or "cancel"
    actor_id: int
    target_id: int  # order to book or visit to move
    nurse_id: int
    start: datetime


@dataclass(frozen=True)
class Round:
    kind: str
    tasks: tuple[Task, ...]


def build_rounds(session, catalog, rounds: int = ROUNDS) -> list[Round]:
    """Every round gets fresh nurses and patients; all visits last 3 h 46 min (1 g/kg,
    one day), so contenders starting within 45 minutes of one another all overlap."""
    product = make_product(session)
    coordinators = [make_user(session, role="coordinator") for _ in range(CONTENDERS)]
    built = []
    for r in range(rounds):
        kind = KINDS[r % len(KINDS)]
        nurses = [make_nurse(session, first_name=f"N{r}x{i}") for i in range(CONTENDERS)]

        def order_for(patient=None):
            return make_order(session, patient=patient or make_patient(session, weight_kg=60), product=product,
                              days=1, earliest_start=MONDAY)

        if kind == "same_nurse":
            # Four patients, one nurse, starts 20 minutes apart.
            tasks = [Task("book", coordinators[i].id, order_for().id, nurses[0].id, local(MONDAY, 8, 20 * i))
                     for i in range(CONTENDERS)]
        elif kind == "same_patient":
            # One order, four coordinators, four nurses. Two overlap on Monday; two pick
            # Wednesday and Thursday, which overlap nothing: only "one order, one course"
            # stops those from booking the order a second time.
            order = order_for()
            starts = [local(MONDAY, 8), local(MONDAY, 8, 30), local(MONDAY + timedelta(days=2), 8),
                      local(MONDAY + timedelta(days=3), 8)]
            tasks = [Task("book", coordinators[i].id, order.id, nurses[i].id, starts[i]) for i in range(CONTENDERS)]
        else:
            # Two visits booked on Tuesday (nurses 0 and 1) are moved onto nurse 0's Monday
            # morning while two new bookings for nurse 0 race for the same morning.
            v = book_series(session, order_for().id, nurses[0].id, local(MONDAY + timedelta(days=1), 8), catalog,
                            actor=coordinators[0], now=NOW)[0]
            w = book_series(session, order_for().id, nurses[1].id, local(MONDAY + timedelta(days=1), 8), catalog,
                            actor=coordinators[0], now=NOW)[0]
            tasks = [
                Task("book", coordinators[0].id, order_for().id, nurses[0].id, local(MONDAY, 9)),
                Task("reschedule", coordinators[1].id, v.id, nurses[0].id, local(MONDAY, 9, 15)),
                Task("book", coordinators[2].id, order_for().id, nurses[0].id, local(MONDAY, 9, 30)),
                Task("reschedule", coordinators[3].id, w.id, nurses[0].id, local(MONDAY, 8, 45)),
            ]
        built.append(Round(kind, tuple(tasks)))
    session.commit()
    return built


def attempt(sessionmaker, catalog, task: Task) -> str:
    """One coordinator's request: the operation, then commit, as a web view does."""
    with sessionmaker() as session:
        try:
            actor = session.get(User, task.actor_id)
            if task.kind == "book":
                book_series(session, task.target_id, task.nurse_id, task.start, catalog, actor=actor, now=NOW)
            elif task.kind == "reschedule":
                reschedule_visit(session, task.target_id, task.start, nurse_id=task.nurse_id, actor=actor, now=NOW)
            else:
                cancel_visit(session, task.target_id, "Patient admitted to hospital", actor=actor, now=NOW)
            session.commit()
            return "ok"
        except SchedulingConflict:
            session.rollback()
            return "conflict"
        except DomainError as exc:
            session.rollback()
            if "already booked" in str(exc):
                return "already_booked"
            return "not_booked" if "only booked visits" in str(exc) or "cannot be cancelled" in str(exc) else f"refused: {exc}"
        except Exception as exc:  # noqa: BLE001 - any other failure is what this test looks for
            session.rollback()
            return f"error: {type(exc).__name__}: {str(exc)[:300]}"


def run_in_threads(sessionmaker, catalog, rounds: list[Round]) -> list[list[str]]:
    contenders = len(rounds[0].tasks)
    barrier = threading.Barrier(contenders)
    outcomes = [[""] * contenders for _ in rounds]

    def contender(i: int) -> None:
        for r, rnd in enumerate(rounds):
            try:
                barrier.wait(timeout=BARRIER_TIMEOUT_S)
            except threading.BrokenBarrierError:
                outcomes[r][i] = "error: barrier broken"
                return
            outcomes[r][i] = attempt(sessionmaker, catalog, rnd.tasks[i])

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(contenders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=BARRIER_TIMEOUT_S * 2)
    return outcomes


def _process_contender(url: str, i: int, rounds: list[Round], barrier, results) -> None:
    # A separate process with its own engine and pool, like a second gunicorn worker.
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    catalog = load_catalog()
    try:
        for r, rnd in enumerate(rounds):
            barrier.wait(timeout=BARRIER_TIMEOUT_S)
            results.put((r, i, attempt(sessionmaker, catalog, rnd.tasks[i])))
    finally:
        engine.dispose()


def run_in_processes(url: str, rounds: list[Round]) -> list[list[str]]:
    # fork: the children start in milliseconds and need nothing pickled; each builds its
    # own engine, and the parent's pool is disposed first so no connection is shared.
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(CONTENDERS)
    results = ctx.Queue()
    procs = [ctx.Process(target=_process_contender, args=(url, i, rounds, barrier, results)) for i in range(CONTENDERS)]
    for p in procs:
        p.start()
    outcomes = [["error: no result"] * CONTENDERS for _ in rounds]
    try:
        for _ in range(len(rounds) * CONTENDERS):
            r, i, outcome = results.get(timeout=BARRIER_TIMEOUT_S)
            outcomes[r][i] = outcome
    finally:
        for p in procs:
            p.join(timeout=BARRIER_TIMEOUT_S)
            if p.is_alive():
                p.kill()
    return outcomes


def overlapping_pairs(conn, who: str) -> list:
    return list(conn.execute(text(
        f"SELECT a.id, b.id FROM visits a JOIN visits b ON a.{who}_id = b.{who}_id AND a.id < b.id "
        "WHERE a.status <> 'cancelled' AND b.status <> 'cancelled' "
        "AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
    )))


def orders_booked_twice(conn) -> list:
    # Every order here is a one-day course: more than one active visit means two bookings.
    return list(conn.execute(text(
        "SELECT order_id, count(*) FROM visits WHERE status <> 'cancelled' GROUP BY order_id HAVING count(*) > 1"
    )))


def check(rounds: list[Round], outcomes: list[list[str]], engine) -> None:
    problems = []
    for r, (rnd, got) in enumerate(zip(rounds, outcomes)):
        # Two coordinators booking the same order: the loser is told it is already booked
        # (SQLite, where the whole transaction waits) or that the slot is taken.
        losing = {"conflict", "already_booked"} if rnd.kind == "same_patient" else {"conflict"}
        if got.count("ok") != 1 or any(o != "ok" and o not in losing for o in got):
            problems.append(f"round {r} ({rnd.kind}): {got}")
    with engine.connect() as conn:
        nurse_pairs, patient_pairs = overlapping_pairs(conn, "nurse"), overlapping_pairs(conn, "patient")
        twice = orders_booked_twice(conn)
    assert not problems, "\n".join(problems)
    assert nurse_pairs == [] and patient_pairs == [], f"overlaps: nurse {nurse_pairs}, patient {patient_pairs}"
    assert twice == [], f"orders booked twice: {twice}"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_threads_racing_for_overlapping_slots_leave_exactly_one_winner(app, session, catalog):
    rounds = build_rounds(session, catalog)
    outcomes = run_in_threads(app.extensions["db_sessionmaker"], catalog, rounds)
    check(rounds, outcomes, app.extensions["db_engine"])


def test_processes_racing_for_overlapping_slots_leave_exactly_one_winner(app, session, catalog, database_url):
    rounds = build_rounds(session, catalog)
    session.close()
    app.extensions["db_engine"].dispose()
    outcomes = run_in_processes(database_url, rounds)
    check(rounds, outcomes, app.extensions["db_engine"])


def test_a_cancelled_visit_is_never_moved_by_a_racing_reschedule(app, session, catalog):
    """Coordinator A cancels a visit while B moves it. Either order is fine (a moved visit
    can be cancelled; a cancelled one is refused), but a move must never land on a visit
    that was already cancelled: its audit row would say "reschedule" after "cancel" and
    the reminder hook would fire for a cancelled visit."""
    coordinators = [make_user(session, role="coordinator") for _ in range(2)]
    product = make_product(session)
    rounds = []
    for r in range(ROUNDS):
        nurse = make_nurse(session, first_name=f"C{r}")
        order = make_order(session, patient=make_patient(session, weight_kg=60), product=product, days=1,
                           earliest_start=MONDAY)
        [visit] = book_series(session, order.id, nurse.id, local(MONDAY, 8), catalog, actor=coordinators[0], now=NOW)
        rounds.append(Round("cancel_vs_move", (
            Task("cancel", coordinators[0].id, visit.id, nurse.id, local(MONDAY, 8)),
            Task("reschedule", coordinators[1].id, visit.id, nurse.id, local(MONDAY, 12)),
        )))
    session.commit()
    outcomes = run_in_threads(app.extensions["db_sessionmaker"], catalog, rounds)
    assert all(got[0] == "ok" and got[1] in ("ok", "not_booked") for got in outcomes), outcomes
    with app.extensions["db_engine"].connect() as conn:
        moved_after_cancel = list(conn.execute(text(
            "SELECT c.object_id FROM audit_events c JOIN audit_events m ON m.object_id = c.object_id "
            "AND m.object_type = 'visit' AND c.object_type = 'visit' "
            "WHERE c.action = 'cancel' AND m.action = 'reschedule' AND m.id > c.id"
        )))
    assert moved_after_cancel == []
