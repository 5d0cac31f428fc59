"""Query plans of the statements each page and operation runs (bench/pages.py).

Records every SELECT a measurement sends, then explains it with the same parameters:
EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL. Only statements
that read the tables history grows (visits, orders, reminders, lab draws, audit) are shown.

    .venv/bin/python -m bench.plans --backend sqlite|postgres [--size a] [--only dashboard,calendar]
"""

from __future__ import annotations

import argparse
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import event, text

from bench.pages import measurements, operations_now
from bench.populate import SIZES, ZONE, url_for
from scheduler.app import create_app
from scheduler.db import make_engine

GROWING = re.compile(r"\b(visits|therapy_orders|reminders|lab_draws|lab_results|audit_events)\b")


def capture(engine, run) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not executemany and statement.lstrip().upper().startswith("SELECT") and GROWING.search(statement):
            if statement not in [s for s, _ in seen]:
                seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def explain(engine, statement: str, parameters) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            return "\n".join(f"{'  ' * (r[1] > 0)}{r[3]}" for r in rows)
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) " + statement,
                                    parameters).all()
        conn.rollback()
        return "\n".join(r[0] for r in rows)


def insert_cost(engine) -> str:
    """What the overlap backstop costs on one insert: a visit for nurse 1 at 03:00 next
    Sunday (free), rolled back. SQLite: virtual-machine instructions of the INSERT with its
    triggers. PostgreSQL: EXPLAIN (ANALYZE, BUFFERS), whose buffers include the exclusion
    constraints' GiST searches."""
    insert = ("INSERT INTO visits (order_id, patient_id, nurse_id, day_number, starts_at, ends_at, travel_before_min, "
              "travel_after_min, status, cancel_reason, catalog_version, plan, version, created_at) "
              "SELECT id, patient_id, 1, 1, :starts, :ends, 0, 0, 'booked', '', 'bench', '{}', 1, :starts "
              "FROM therapy_orders ORDER BY id DESC LIMIT 1")
    sunday = datetime.now(ZONE).date() + timedelta(days=6 - datetime.now(ZONE).weekday() + 7)
    starts = datetime.combine(sunday, datetime.min.time(), tzinfo=ZONE).astimezone(timezone.utc) + timedelta(hours=9)
    params = {"starts": starts, "ends": starts + timedelta(hours=2)}
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            params = {k: v.replace(tzinfo=None).isoformat(" ", "microseconds") for k, v in params.items()}
            steps = [0]

            def tick() -> int:
                steps[0] += 1
                return 0

            raw = conn.connection.dbapi_connection
            raw.set_progress_handler(tick, 1)
            conn.execute(text(insert), params)
            raw.set_progress_handler(None, 1)
            conn.rollback()
            return f"{steps[0]:,} VM instructions (INSERT with its overlap and duration triggers)"
        rows = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) " + insert), params).all()
        conn.rollback()
        return "\n".join(r[0] for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--size", choices=sorted(SIZES), default="a")
    parser.add_argument("--only", default="", help="comma-separated parts of measurement names")
    parser.add_argument("--insert", action="store_true", help="only the cost of one visit insert")
    args = parser.parse_args()
    url = url_for(args.backend, SIZES[args.size])
    if args.insert:
        engine = make_engine(url)
        print(f"{args.backend} ({args.size}): " + insert_cost(engine))
        engine.dispose()
        return
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-only", "WTF_CSRF_ENABLED": False, "TESTING": True})
    engine = app.extensions["db_engine"]
    anchor = datetime.now(ZONE).date()
    for m in measurements(app, anchor, now=operations_now(anchor)):
        if args.only and not any(part in m.name for part in args.only.split(",")):
            continue
        m.run()  # warm: logins, caches
        print(f"\n### {m.name}\n")
        for statement, parameters in capture(engine, m.run):
            print("```sql\n" + " ".join(statement.split())[:600] + "\n```\n```\n" + explain(engine, statement, parameters) + "\n```")


if __name__ == "__main__":
    main()
