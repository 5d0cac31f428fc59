"""Benchmark: import 1,000 patients from CSV (ZIP-centre geocoding) into a fresh, migrated SQLite
database, through `import_patients` (the same operation as `flask import patients`), and commit.

    .venv/bin/python -m bench.import_patients [--rows 1000] [--runs 3]

Prints the dry run and the import times per run. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from alembic import command

from scheduler.cli import alembic_config
from scheduler.db import make_engine, make_sessionmaker
from scheduler.geocoding import ZipCentre
from scheduler.operations.accounts import create_user
from scheduler.operations.imports import COLUMNS, import_patients

# Midwest ZIP codes an agency around Chicago serves.
ZIPS = ("60614", "60657", "60201", "60302", "53207", "53186", "46617", "46544", "46516", "60540", "60173", "53140",
        "46350", "49120", "60601", "60611", "60647", "60625", "60090", "60004")


def sample_csv(rows: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for n in range(rows):
        writer.writerow({
            "external_id": f"MRN-{n:06d}", "first_name": f"First{n}", "last_name": f"Last{n % 997}",
            "date_of_birth": f"19{rng.randint(30, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "sex": rng.choice(("female", "male")), "height_cm": rng.randint(150, 195), "weight_kg": rng.randint(45, 140),
            "weighed_on": "2026-10-01", "address_line": f"{rng.randint(1, 9999)} Main St", "city": "Somewhere",
            "state": "", "postal_code": rng.choice(ZIPS), "lat": "", "lon": "", "timezone": "",
            "phone": f"(312) 555-{n % 10000:04d}", "email": f"p{n}@example.org", "preferred_channel": "email",
            "email_consent": "yes", "sms_consent": "no", "iga_status": "normal", "risk_renal": "no",
            "risk_thrombotic": "no", "risk_cardiac": "no", "allergies": "", "notes": "",
        })
    return out.getvalue()


def run_once(text: str) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        command.upgrade(alembic_config(url), "head")
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        now = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
        with sessions() as session:
            actor = create_user(session, email="admin@bench.example", full_name="Admin", role="admin",
                                password="bench password 123")
            session.commit()
            started = time.perf_counter()
            report = import_patients(session, text, actor=actor, now=now, agency_zone="America/Chicago",
                                     geocoder=ZipCentre(), dry_run=True)
            session.rollback()
            dry = time.perf_counter() - started
            started, cpu = time.perf_counter(), time.process_time()
            report = import_patients(session, text, actor=actor, now=now, agency_zone="America/Chicago",
                                     geocoder=ZipCentre(), dry_run=False)
            session.commit()
            real = time.perf_counter() - started
            print(f"  import CPU time of this process: {time.process_time() - cpu:.2f} s")
        engine.dispose()
        return dry, real, report.created


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    text = sample_csv(args.rows)
    results = [run_once(text) for _ in range(args.runs)]
    for dry, real, created in results:
        print(f"dry run {dry:.2f} s, import {real:.2f} s, {created} patients created")
    print(f"median: dry run {statistics.median(r[0] for r in results):.2f} s, "
          f"import {statistics.median(r[1] for r in results):.2f} s ({args.rows} rows, SQLite)")


if __name__ == "__main__":
    main()
