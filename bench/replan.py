"""Re-plan benchmark: a nurse's week (about 20 visits) among 30 nurses on the benchmark
database (bench/populate.py: 20,000 visits), the CP-SAT proposal beside a greedy "first
free nurse" baseline, both on the same inputs in the same run.

Each run records a Monday-to-Saturday absence for one nurse (the next nurse each run) and
times `propose_for_absence` end to end (gathering, solving, the booking code's re-check,
storing the proposal), then runs the baseline on the same gathered inputs; the
transaction is rolled back, so every run sees the same database.

    .venv/bin/python -m bench.replan --backend sqlite|postgres [--runs 15] [--time-limit 1.5] [--no-populate]
"""

from __future__ import annotations

import argparse
import statistics
import time as clock
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.engine import make_url

from bench.populate import COORDINATOR_EMAIL, ZONE, populate
from scheduler.app import create_app
from scheduler.booking.replan import first_free_nurse
from scheduler.models import Nurse, User
from scheduler.operations.absences import affected_visits, record_absence
from scheduler.operations.replans import gather_inputs, propose_for_absence

SQLITE_PATH = "instance/bench_replan.sqlite3"
PG_URL = "postgresql+psycopg://scheduler:scheduler@127.0.0.1:5432/scheduler_bench_replan"


def url_for(backend: str) -> str:
    # Its own database: bench.booking may rebuild scheduler_bench at the same time.
    return f"sqlite:///{SQLITE_PATH}" if backend == "sqlite" else PG_URL


def median(values):
    return statistics.median(values) if values else float("nan")


def run(backend: str, runs: int, time_limit_s: float, do_populate: bool) -> list[dict]:
    url = url_for(backend)
    anchor = populate(url).anchor if do_populate else datetime.now(ZONE).date()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-only", "TESTING": True})
    sessionmaker = app.extensions["db_sessionmaker"]
    now = datetime.combine(anchor, time(8), tzinfo=ZONE).astimezone(timezone.utc)
    monday = anchor + timedelta(days=7 - anchor.weekday())  # next week: every visit still ahead
    with sessionmaker() as session:
        nurse_ids = list(session.scalars(select(Nurse.id).order_by(Nurse.id)))
    rows = []
    for i in range(runs + 1):  # the first run warms caches and imports OR-Tools: not counted
        with sessionmaker() as session:
            coordinator = session.scalar(select(User).where(User.email == COORDINATOR_EMAIL))
            nurse_id = nurse_ids[i % len(nurse_ids)]
            absence = record_absence(session, nurse_id, datetime.combine(monday, time(0)),
                                     datetime.combine(monday + timedelta(days=6), time(0)), "sick", "bench",
                                     actor=coordinator, now=now).absence
            started = clock.perf_counter()
            replan = propose_for_absence(session, absence.id, actor=coordinator, now=now, time_limit_s=time_limit_s)
            proposal_s = clock.perf_counter() - started
            movable = [v for v in affected_visits(session, absence) if v.starts_at >= now]
            inputs = gather_inputs(session, movable, now=now)
            started = clock.perf_counter()
            greedy = first_free_nurse(inputs.moving, inputs.nurses, patient_visits=inputs.patient_visits,
                                      travel=inputs.travel)
            greedy_s = clock.perf_counter() - started
            solver = replan.result["solver"]
            rows.append({
                "nurse_id": nurse_id, "visits": len(movable), "proposal_ms": proposal_s * 1000,
                "solve_ms": solver["wall_ms"], "status": solver["status"], "options": solver["options"],
                "placed": len(replan.result["rows"]), "unplaced": len(replan.result["unplaced"]),
                "moved_day": solver["moved_day"], "nurse_changes": solver["nurse_changes"],
                "drive_min": solver["added_drive_min"], "greedy_ms": greedy_s * 1000, "greedy_placed": len(greedy.moves),
                "greedy_unplaced": len(greedy.unplaced), "greedy_drive_min": greedy.added_drive_min,
                "greedy_nurse_changes": _course_changes(inputs, greedy),
                **_on_common_visits(replan.result["rows"], greedy.moves),
            })
            session.rollback()
    app.extensions["db_engine"].dispose()
    return rows[1:]


def _on_common_visits(rows: list[dict], greedy_moves) -> dict:
    """Added drive (per-visit insertion cost in the final day) on the visits both placed:
    the like-for-like comparison, since the baseline places far fewer."""
    mine = {r["visit_id"]: r["added_drive_min"] for r in rows}
    theirs = {m.visit_id: m.added_drive_min for m in greedy_moves}
    common = set(mine) & set(theirs)
    return {"common": len(common), "common_drive": sum(mine[v] for v in common),
            "common_greedy_drive": sum(theirs[v] for v in common)}


def _course_changes(inputs, result) -> int:
    """Nurse changes between consecutive days of a course, counted like the proposal's."""
    from scheduler.booking.replan import _count_changes, _final_course_nurses

    placed = {m.visit_id: (m.to_nurse_id, m.to_starts_at) for m in result.moves}
    return _count_changes(_final_course_nurses(inputs.moving, placed, inputs.course_days))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--time-limit", type=float, default=1.5)
    parser.add_argument("--no-populate", action="store_true", help="reuse the database from the last run")
    args = parser.parse_args()
    rows = run(args.backend, args.runs, args.time_limit, not args.no_populate)
    print(f"backend={args.backend} runs={len(rows)} time_limit={args.time_limit}s database={make_url(url_for(args.backend)).database}")
    head = ("nurse", "visits", "proposal ms", "status", "placed", "unpl", "day", "chg", "drive", "|", "greedy ms",
            "placed", "unpl", "chg", "drive")
    print(" ".join(f"{h:>11}" for h in head))
    for r in rows:
        print(" ".join(f"{v:>11}" for v in (
            r["nurse_id"], r["visits"], f"{r['proposal_ms']:.0f}", r["status"][:11], r["placed"], r["unplaced"],
            r["moved_day"], r["nurse_changes"], r["drive_min"], "|", f"{r['greedy_ms']:.1f}", r["greedy_placed"],
            r["greedy_unplaced"], r["greedy_nurse_changes"], r["greedy_drive_min"])))
    times = sorted(r["proposal_ms"] for r in rows)
    print(f"proposal median {median(times):.0f} ms, p95 {times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]:.0f} ms, "
          f"max {times[-1]:.0f} ms; visits median {median([r['visits'] for r in rows])}")
    for key, label in (("placed", "placed"), ("unplaced", "unplaced"), ("drive_min", "added drive min"),
                       ("nurse_changes", "nurse changes")):
        greedy_key = "greedy_" + key
        print(f"{label:>16}: proposal total {sum(r[key] for r in rows)}, greedy total {sum(r[greedy_key] for r in rows)}")
    print(f"on the {sum(r['common'] for r in rows)} visits both placed: added drive proposal "
          f"{sum(r['common_drive'] for r in rows)} min, greedy {sum(r['common_greedy_drive'] for r in rows)} min")
    per_visit = [r["drive_min"] / r["placed"] for r in rows if r["placed"]]
    greedy_per_visit = [r["greedy_drive_min"] / r["greedy_placed"] for r in rows if r["greedy_placed"]]
    print(f"added drive per placed visit (median of runs): proposal {median(per_visit):.1f} min, "
          f"greedy {median(greedy_per_visit):.1f} min")


if __name__ == "__main__":
    main()
