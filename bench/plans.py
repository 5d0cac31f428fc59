"""Query plans of the statements each page and operation runs (bench/pages.py).

Records every SELECT a measurement sends, then explains it with the same parameters:
EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL. Only statements
that read the tables history grows (visits, orders, reminders, lab draws, audit) are shown.

    .venv/bin/python -m bench.plans --backend sqlite|postgres [--size a] [--only dashboard,calendar]
"""

from __future__ import annotations

import argparse
import re
from datetime import datetime

from sqlalchemy import event

from bench.pages import measurements, operations_now
from bench.populate import SIZES, ZONE, url_for
from scheduler.app import create_app

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--size", choices=sorted(SIZES), default="a")
    parser.add_argument("--only", default="", help="comma-separated parts of measurement names")
    args = parser.parse_args()
    url = url_for(args.backend, SIZES[args.size])
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
