"""Booking benchmarks on an agency-sized database (see bench/populate.py).

Medians and p95 over N runs of: suggestions for an order with a 14-day window
(suggest_for_order), booking a 2-day course and committing (book_series), and the week
calendar page through the Flask test client logged in as a coordinator. Each booking's
visits are deleted afterwards (untimed), so the database keeps its size.

These are measurements, not tests: nothing here fails on a slow machine. Results and the
machine they came from are recorded in bench/README.md.

    .venv/bin/python -m bench.booking --backend sqlite|postgres [--runs 50] [--no-populate]
"""

from __future__ import annotations

import argparse
import statistics
import time as clock
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import delete, select

from bench.pages import bench_order
from bench.populate import COORDINATOR_EMAIL, COORDINATOR_PASSWORD, ZONE, populate, url_for
from scheduler.app import create_app
from scheduler.clinical import load_catalog
from scheduler.models import User, Visit
from scheduler.operations.visits import book_series, suggest_for_order


def summary(name: str, samples_s: list[float], target_ms: float | None) -> dict:
    ms = sorted(s * 1000 for s in samples_s)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return {"name": name, "runs": len(ms), "median_ms": statistics.median(ms), "p95_ms": p95, "target_ms": target_ms}


def run(backend: str, runs: int, do_populate: bool) -> list[dict]:
    url = url_for(backend)
    if do_populate:
        populated = populate(url)
        anchor = populated.anchor
    else:
        anchor = datetime.now(ZONE).date()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-only", "WTF_CSRF_ENABLED": False, "TESTING": True})
    sessionmaker, catalog = app.extensions["db_sessionmaker"], load_catalog()
    # Eight in the morning local time, so today's remaining hours count as "now".
    now = datetime.combine(anchor, time(8), tzinfo=ZONE).astimezone(timezone.utc)
    results = []

    with sessionmaker() as session:
        order_id = bench_order(session, anchor)
        coordinator = session.scalar(select(User).where(User.email == COORDINATOR_EMAIL))
        session.expunge(coordinator)

    # Suggestions: each run in its own session, as each page view is.
    samples, slots = [], []
    for _ in range(runs + 3):
        with sessionmaker() as session:
            started = clock.perf_counter()
            slots = suggest_for_order(session, order_id, catalog, now=now, limit=runs)
            samples.append(clock.perf_counter() - started)
            session.rollback()
    results.append(summary(f"suggest_for_order, 14-day window ({len(slots)} slots)", samples[3:], 100))

    # Booking: a different suggested slot each run; the visits are deleted afterwards.
    samples = []
    for i in range(runs + 3):
        slot = slots[i % len(slots)]
        with sessionmaker() as session:
            started = clock.perf_counter()
            visits = book_series(session, order_id, slot.nurse_id, slot.starts_at[0], catalog, actor=coordinator, now=now)
            session.commit()
            samples.append(clock.perf_counter() - started)
            session.execute(delete(Visit).where(Visit.id.in_([v.id for v in visits])))
            session.commit()
    results.append(summary("book_series, 2-day course + commit", samples[3:], 50))

    # The week calendar page, when the blueprint exists.
    if "calendar.week" in app.view_functions:
        client = app.test_client()
        response = client.post("/login", data={"email": COORDINATOR_EMAIL, "password": COORDINATOR_PASSWORD})
        assert response.status_code in (302, 303), f"login failed: {response.status_code}"
        with app.test_request_context():
            from flask import url_for as flask_url_for

            path = flask_url_for("calendar.week", week=(anchor + timedelta(days=7)).isoformat())
        samples = []
        for _ in range(runs + 3):
            started = clock.perf_counter()
            response = client.get(path)
            samples.append(clock.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        results.append(summary(f"GET {path} (coordinator, test client)", samples[3:], None))
    else:
        # TODO(calendar): GET /calendar?week=YYYY-MM-DD (endpoint calendar.week) is not
        # registered yet; measure it here once the lead's blueprint lands.
        results.append({"name": "GET /calendar?week=... : TODO, endpoint calendar.week not registered", "runs": 0,
                        "median_ms": float("nan"), "p95_ms": float("nan"), "target_ms": None})
    app.extensions["db_engine"].dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--no-populate", action="store_true", help="reuse the database from the last run")
    args = parser.parse_args()
    print(f"backend={args.backend} runs={args.runs}")
    print(f"{'measurement':70} {'median ms':>10} {'p95 ms':>8} {'target':>7}")
    for row in run(args.backend, args.runs, not args.no_populate):
        target = f"<{row['target_ms']:.0f}" if row["target_ms"] else ""
        print(f"{row['name']:70} {row['median_ms']:10.1f} {row['p95_ms']:8.1f} {target:>7}")


if __name__ == "__main__":
    main()
