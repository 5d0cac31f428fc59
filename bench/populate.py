"""Bulk generator for benchmarks: an agency-sized database in a few seconds.

30 nurses with weekday hours (and Saturdays to 16:00) whose homes are spread over a metro
area, 2,000 patients with weights and coordinates, and 20,000 visits from about 8 months
ago to 1 month ahead. Visits come as 2-day courses (same nurse, same local time, two
consecutive working days), each course its own therapy order, and never overlap for a
nurse or a patient, so the database's overlap backstop accepts every row.

The schema is built by the migrations (never create_all), the rows by Core bulk inserts
(executemany), not the ORM unit of work, which would take minutes.

    .venv/bin/python -m bench.populate --backend sqlite|postgres
"""

from __future__ import annotations

import argparse
import math
import random
import time as clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from scheduler.clinical import load_catalog
from scheduler.db import make_engine, make_sessionmaker
from scheduler.models import Agency, Nurse, Patient, PatientWeight, TherapyOrder, User, Visit, WorkingHours
from scheduler.operations.accounts import create_user
from scheduler.operations.catalog import sync_products

ZONE = ZoneInfo("America/Chicago")
CENTER = (41.88, -87.63)  # Chicago Loop
METRO_RADIUS_KM = 30
NURSES, PATIENTS, VISITS = 30, 2_000, 20_000
MONTHS_PAST, MONTHS_AHEAD = 8, 1
COORDINATOR_EMAIL = "bench.coordinator@example.org"
COORDINATOR_PASSWORD = "bench-coordinator-2026"
PRODUCT = "octagam_10"
SQLITE_PATH = "instance/bench.sqlite3"
PG_SERVER = "postgresql+psycopg://scheduler:scheduler@127.0.0.1:5432/scheduler_bench"


@dataclass(frozen=True)
class Populated:
    url: str
    anchor: date  # "today" for the data: visits run from ~8 months before to ~1 month after
    coordinator_email: str
    nurse_ids: list[int]
    patient_ids: list[int]
    visits: int


def url_for(backend: str) -> str:
    return f"sqlite:///{SQLITE_PATH}" if backend == "sqlite" else PG_SERVER


def fresh_database(url: str) -> None:
    """Drop and recreate the bench database, then migrate it to head."""
    from alembic import command

    from scheduler.cli import alembic_config

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        import os

        os.makedirs(os.path.dirname(parsed.database), exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(parsed.database + suffix):
                os.remove(parsed.database + suffix)
    else:
        admin = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False),
                            isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    command.upgrade(alembic_config(url), "head")


def point_in_metro(rng: random.Random) -> tuple[float, float]:
    # Uniform over a disc: sqrt on the radius, else points bunch at the centre.
    r = METRO_RADIUS_KM * math.sqrt(rng.random())
    angle = rng.random() * 2 * math.pi
    lat = CENTER[0] + (r * math.cos(angle)) / 111.0
    lon = CENTER[1] + (r * math.sin(angle)) / (111.0 * math.cos(math.radians(CENTER[0])))
    return round(lat, 5), round(lon, 5)


def local_utc(day: date, minutes: int) -> datetime:
    return (datetime.combine(day, time(0), tzinfo=ZONE) + timedelta(minutes=minutes)).astimezone(timezone.utc)


def course_days(first: date, last: date) -> list[tuple[date, date]]:
    """Pairs of consecutive working days (Mon-Tue, Wed-Thu, Fri-Sat) between the dates."""
    pairs, day = [], first - timedelta(days=first.weekday())
    while day <= last:
        for offset in (0, 2, 4):
            d1 = day + timedelta(days=offset)
            if first <= d1 and d1 + timedelta(days=1) <= last:
                pairs.append((d1, d1 + timedelta(days=1)))
        day += timedelta(days=7)
    return pairs


def populate(url: str, *, anchor: date | None = None, seed: int = 20261122) -> Populated:
    rng = random.Random(seed)
    anchor = anchor or datetime.now(ZONE).date()
    fresh_database(url)
    engine = make_engine(url)
    catalog = load_catalog()
    created = datetime.now(timezone.utc)
    with make_sessionmaker(engine)() as session:
        session.add(Agency(name="Bench Home Infusion", timezone=ZONE.key, phone_e164="+13125550100"))
        sync_products(session, catalog)
        coordinator = create_user(session, email=COORDINATOR_EMAIL, full_name="Bench Coordinator",
                                  role="coordinator", password=COORDINATOR_PASSWORD)
        session.flush()
        # Nurses never log in here: an unusable hash saves 30 Argon2 runs.
        session.execute(insert(User), [
            dict(email=f"bench.nurse{i}@example.org", full_name=f"Nurse {i}", role="nurse", password_hash="!",
                 created_at=created)
            for i in range(NURSES)
        ])
        nurse_users = session.scalars(text("SELECT id FROM users WHERE role = 'nurse' ORDER BY id")).all()
        nurse_rows = []
        for i, user_id in enumerate(nurse_users):
            lat, lon = point_in_metro(rng)
            nurse_rows.append(dict(user_id=user_id, first_name=f"Nurse{i}", last_name=f"Bench{i:02d}",
                                   phone_e164="+13125550101", timezone=ZONE.key, home_address=f"{i} Bench St",
                                   home_lat=lat, home_lon=lon, max_visits_per_day=4))
        session.execute(insert(Nurse), nurse_rows)
        nurse_ids = list(session.scalars(text("SELECT id FROM nurses ORDER BY id")))
        session.execute(insert(WorkingHours), [
            dict(nurse_id=n, weekday=d, start_time=time(7), end_time=time(19) if d < 5 else time(16))
            for n in nurse_ids for d in range(6)
        ])

        patient_rows = []
        for i in range(PATIENTS):
            lat, lon = point_in_metro(rng)
            patient_rows.append(dict(
                first_name=f"Pat{i}", last_name=f"Bench{i:04d}", date_of_birth=date(1940 + i % 60, 1 + i % 12, 1 + i % 28),
                sex=("female", "male")[i % 2], height_cm=150 + i % 40, address_line=f"{i} Elm St", city="Chicago",
                postal_code="60601", lat=lat, lon=lon, timezone=ZONE.key, phone_e164="+13125550102",
                email=f"pat{i}@example.org", preferred_channel="email", created_at=created,
            ))
        session.execute(insert(Patient), patient_rows)
        patient_ids = list(session.scalars(text("SELECT id FROM patients ORDER BY id")))
        session.execute(insert(PatientWeight), [
            dict(patient_id=p, weight_kg=round(rng.uniform(45, 110), 1), measured_on=anchor - timedelta(days=300))
            for p in patient_ids
        ])

        # Courses: per nurse and day pair, 3 or 4 back-to-back visits from 07:00, each
        # 1 h 50-3 h 20 with a 20-40 min drive between; the patients rotate so none has two
        # visits at once (a day holds ~90 courses, far fewer than 2,000 patients).
        first = anchor - timedelta(days=30 * MONTHS_PAST)
        last = anchor + timedelta(days=30 * MONTHS_AHEAD)
        courses = []  # (patient_id, nurse_id, day1, day2, start_min, length_min)
        next_patient = 0
        for day1, day2 in course_days(first, last):
            day_end = 19 * 60 if day2.weekday() < 5 else 16 * 60
            for nurse_id in nurse_ids:
                start = 7 * 60 + rng.choice((0, 15, 30))
                for _ in range(rng.choice((3, 4, 4))):
                    length = rng.randrange(110, 201, 5)
                    if start + length > day_end:
                        break
                    courses.append((patient_ids[next_patient % PATIENTS], nurse_id, day1, day2, start, length))
                    next_patient += 1
                    start += length + rng.randrange(20, 41, 5)
        rng.shuffle(courses)
        courses = courses[: VISITS // 2]
        session.execute(insert(TherapyOrder), [
            dict(patient_id=c[0], product_id=PRODUCT, indication="pid", dose_g_per_kg=0.4, days=2,
                 earliest_start=c[2], window_days=4, status="completed" if c[2] < anchor else "active",
                 lab_follow_up_hours=[], created_by_id=coordinator.id, created_at=created)
            for c in courses
        ])
        order_ids = list(session.scalars(text("SELECT id FROM therapy_orders ORDER BY id")))
        visit_rows = []
        for order_id, (patient_id, nurse_id, day1, day2, start, length) in zip(order_ids, courses):
            for day_number, day in ((1, day1), (2, day2)):
                visit_rows.append(dict(
                    order_id=order_id, patient_id=patient_id, nurse_id=nurse_id, day_number=day_number,
                    starts_at=local_utc(day, start), ends_at=local_utc(day, start + length),
                    travel_before_min=0, travel_after_min=0, status="completed" if day < anchor else "booked",
                    cancel_reason="", catalog_version=catalog.version, plan={}, version=1,
                    created_by_id=coordinator.id, created_at=created,
                ))
        for chunk in range(0, len(visit_rows), 5_000):
            session.execute(insert(Visit), visit_rows[chunk:chunk + 5_000])
        session.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return Populated(url, anchor, COORDINATOR_EMAIL, nurse_ids, patient_ids, len(visit_rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    started = clock.perf_counter()
    result = populate(url_for(args.backend))
    print(f"{args.backend}: {len(result.nurse_ids)} nurses, {len(result.patient_ids)} patients, "
          f"{result.visits} visits in {clock.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
