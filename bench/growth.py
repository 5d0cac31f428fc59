"""Growth benchmark: every page and booking operation at three sizes, side by side.

(a) today's agency, (b) the same agency with five years of history, (c) a large agency
(bench/populate.py SIZES). Each measurement runs `--runs` times after 2 untimed warm-ups,
at every size in turn (side by side, so the shared machine's load falls on all alike);
the table gives medians in ms, the ratio b/a (target: at most 1.3) and the target at (c).
Results also go to bench/results/growth-<backend>.json, which bench/README.md quotes.

Measurements, not tests: nothing here fails on a slow machine.

    nice -n 10 .venv/bin/python -m bench.growth --backend sqlite|postgres [--sizes a,b,c] [--runs 12] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time as clock
from datetime import datetime

from sqlalchemy import func, select

from bench.pages import measurements, operations_now
from bench.populate import SIZES, ZONE, populate, url_for
from scheduler.app import create_app
from scheduler.models import Nurse, Patient, Visit


def prepare(backend: str, size_name: str, reuse: bool) -> dict:
    size = SIZES[size_name]
    url = url_for(backend, size)
    fill_s = None
    if not reuse:
        started = clock.perf_counter()
        populate(url, size=size, log=lambda m: print(f"  [{size_name}] {clock.perf_counter() - started:6.1f} s {m}", flush=True))
        fill_s = clock.perf_counter() - started
    anchor = datetime.now(ZONE).date()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-only", "WTF_CSRF_ENABLED": False, "TESTING": True})
    with app.extensions["db_sessionmaker"]() as session:
        counts = {"nurses": session.scalar(select(func.count(Nurse.id))),
                  "patients": session.scalar(select(func.count(Patient.id))),
                  "visits": session.scalar(select(func.count(Visit.id)))}
    return {"size": size_name, "fill_s": fill_s, "counts": counts, "app": app,
            "measurements": measurements(app, anchor, now=operations_now(anchor))}


def run_once(m) -> float:
    started = clock.perf_counter()
    counted = m.run()
    return (counted if counted is not None else clock.perf_counter() - started) * 1000


def time_sizes(backend: str, size_names: list[str], runs: int, reuse: bool) -> list[dict]:
    """Side by side: each measurement runs at every size in turn, run after run, so the
    machine's load (shared, 2 cores) falls on all sizes alike instead of on whichever size
    happened to be timed during a busy minute."""
    sizes = [prepare(backend, name, reuse) for name in size_names]
    for index, first in enumerate(sizes[0]["measurements"]):
        samples: dict[str, list[float]] = {s["size"]: [] for s in sizes}
        for i in range(runs + 2):
            for s in sizes:
                elapsed = run_once(s["measurements"][index])
                if i >= 2:  # two warm-ups
                    samples[s["size"]].append(elapsed)
        for s in sizes:
            ms = sorted(samples[s["size"]])
            s.setdefault("rows", {})[first.name] = {
                "audience": first.audience, "target_ms": first.target_ms, "median_ms": statistics.median(ms),
                "p95_ms": ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]}
        print(f"  {first.name:55} " + " ".join(f"{s['size']}={s['rows'][first.name]['median_ms']:8.1f}" for s in sizes),
              flush=True)
    for s in sizes:
        s.pop("measurements")
        s.pop("app").extensions["db_engine"].dispose()
        s["runs"] = runs
    return sizes


def table(results: list[dict]) -> str:
    by_size = {r["size"]: r for r in results}
    names = list(results[0]["rows"])
    head = "| measurement | " + " | ".join(f"({s}) ms" for s in by_size)
    head += (" | b/a" if {"a", "b"} <= set(by_size) else "") + (" | c/a" if {"a", "c"} <= set(by_size) else "")
    head += " | target at (c) |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for name in names:
        medians = {s: r["rows"][name]["median_ms"] for s, r in by_size.items()}
        cells = [f"{medians[s]:.1f}" for s in by_size]
        if {"a", "b"} <= set(by_size):
            cells.append(f"{medians['b'] / medians['a']:.2f}x")
        if {"a", "c"} <= set(by_size):
            cells.append(f"{medians['c'] / medians['a']:.2f}x")
        target = results[0]["rows"][name]["target_ms"]
        cells.append(f"< {target:.0f}" if target else "none set")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    sizes = "; ".join(f"({r['size']}) {r['counts']['nurses']} nurses, {r['counts']['patients']} patients, "
                      f"{r['counts']['visits']:,} visits" + (f", filled in {r['fill_s']:.0f} s" if r["fill_s"] else "")
                      for r in results)
    return "\n".join(lines) + "\n\nSizes: " + sizes + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--sizes", default="a,b,c")
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--reuse", action="store_true", help="reuse the databases of the last run")
    args = parser.parse_args()
    load = os.getloadavg()
    results = time_sizes(args.backend, args.sizes.split(","), args.runs, args.reuse)
    os.makedirs("bench/results", exist_ok=True)
    with open(f"bench/results/growth-{args.backend}.json", "w") as out:
        json.dump(results, out, indent=1)
    print(f"\nbackend={args.backend} runs={args.runs} load average at start {load[0]:.1f}, at end {os.getloadavg()[0]:.1f}\n")
    print(table(results))


if __name__ == "__main__":
    main()
