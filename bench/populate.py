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
import json
import os
import math
import random
import time as clock
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from scheduler.clinical import load_catalog
from scheduler.db import make_engine, make_sessionmaker
from scheduler.models import (Agency, LabDraw, LabResult, Nurse, Patient, PatientWeight, Reminder, TherapyOrder, User,
                              Visit, WorkingHours)
from scheduler.operations.accounts import create_user
from scheduler.operations.catalog import sync_products

ZONE = ZoneInfo("America/Chicago")
CENTER = (41.88, -87.63)  # Chicago Loop
METRO_RADIUS_KM = 30
COORDINATOR_EMAIL = "bench.coordinator@example.org"
COORDINATOR_PASSWORD = "bench-coordinator-2026"
NURSE_EMAIL = "bench.nurse0@example.org"  # nurse 0 logs in for the nurse's pages
PATIENT_EMAIL = "bench.patient0@example.org"  # patient 0 logs in for the portal
PRODUCT = "octagam_10"
# Each nurse-day pair offers 3-4 course slots; this share of them is booked (the agency is busy).
BOOKED_SHARE = 0.94
# Platelet draw 24 h after the course (one per course: enough to give the lab tables a history).
DRAW_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class Size:
    """An agency: how many nurses and patients, and how far its visits reach back and ahead."""

    name: str
    nurses: int
    patients: int
    months_past: int
    months_ahead: int = 1
    follow_up: bool = True  # a reminder per visit and a platelet draw per course

    @property
    def sqlite_path(self) -> str:
        return f"instance/bench_{self.name}.sqlite3"


SIZES = {
    # (a) today's agency: ~20,000 visits over 8 months back and 1 ahead.
    "a": Size("a", nurses=30, patients=2_000, months_past=8),
    # (b) the same agency with five more years behind it: ~158,000 visits.
    "b": Size("b", nurses=30, patients=2_000, months_past=68),
    # (c) a large agency: 300 nurses, 50,000 patients, ~1,000,000 visits. At the bench agency's
    # density (about 74 visits per nurse a month) that takes 45 months (42 back, 3 ahead), not the
    # issue's three years (which gave 797,622 visits).
    "c": Size("c", nurses=300, patients=50_000, months_past=42, months_ahead=3),
}
# Sizes b and c get their own databases: this name with _b and _c appended.
PG_SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://scheduler:scheduler@127.0.0.1:5432/scheduler_bench")


@dataclass(frozen=True)
class Populated:
    url: str
    anchor: date  # "today" for the data: visits run from months_past before to months_ahead after
    coordinator_email: str
    nurse_ids: list[int]
    patient_ids: list[int]
    visits: int


def url_for(backend: str, size: Size = SIZES["a"]) -> str:
    if backend == "sqlite":
        return f"sqlite:///{size.sqlite_path}"
    return PG_SERVER if size.name == "a" else f"{PG_SERVER}_{size.name}"


def fresh_database(url: str) -> None:
    """Drop and recreate the bench database, then migrate it to head."""
    from alembic import command

    from scheduler.cli import alembic_config

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
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


def day_courses(size: Size, day1: date, day2: date, nurse_ids: list[int], patient_ids: list[int], seed: int):
    """The courses of one day pair: (patient, nurse, day1, day2, start_min, length_min).

    Per nurse 3 or 4 back-to-back visits from 07:00, each 1 h 50-3 h 20 with a 20-40 min
    drive between, BOOKED_SHARE of them kept. Drawn from a generator seeded by the date
    alone, so a day looks the same whatever the history before it (the guard test builds
    one agency with 1 and with 10 years and compares the pages of the same week). The
    pair's patients are consecutive from an offset that rotates with the date, so no
    patient has two visits at once."""
    rng = random.Random(seed * 1_000_003 + day1.toordinal())
    day_end = 19 * 60 if day2.weekday() < 5 else 16 * 60
    next_patient = (day1.toordinal() * 4 * len(nurse_ids)) % len(patient_ids)
    courses = []
    for nurse_id in nurse_ids:
        start = 7 * 60 + rng.choice((0, 15, 30))
        for _ in range(rng.choice((3, 4, 4))):
            length = rng.randrange(110, 201, 5)
            if start + length > day_end:
                break
            if rng.random() < BOOKED_SHARE:
                courses.append((patient_ids[next_patient % len(patient_ids)], nurse_id, day1, day2, start, length))
                next_patient += 1
            start += length + rng.randrange(20, 41, 5)
    return courses


def _user_ids(session, role: str) -> list[int]:
    return list(session.scalars(text("SELECT id FROM users WHERE role = :role ORDER BY id"), {"role": role}))


def populate(url: str, *, size: Size = SIZES["a"], anchor: date | None = None, seed: int = 20261122,
             log=lambda message: None) -> Populated:
    anchor = anchor or datetime.now(ZONE).date()
    fresh_database(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        result = fill(session, size, anchor=anchor, seed=seed, log=log)
        session.commit()
    log("analyze")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return replace(result, url=url)


def fill(session, size: Size, *, anchor: date, seed: int = 20261122, log=lambda message: None) -> Populated:
    """Insert the agency into a migrated, empty database (no commit). Core bulk inserts:
    the ORM unit of work would take minutes."""
    rng = random.Random(seed)
    catalog = load_catalog()
    created = datetime(2020, 1, 1, tzinfo=timezone.utc)
    session.add(Agency(name="Bench Home Infusion", timezone=ZONE.key, phone_e164="+13125550100"))
    sync_products(session, catalog)
    coordinator = create_user(session, email=COORDINATOR_EMAIL, full_name="Bench Coordinator",
                              role="coordinator", password=COORDINATOR_PASSWORD)
    # Nurse 0 and patient 0 log in; the others never do: an unusable hash saves Argon2 runs.
    create_user(session, email=NURSE_EMAIL, full_name="Nurse 0", role="nurse", password=COORDINATOR_PASSWORD)
    create_user(session, email=PATIENT_EMAIL, full_name="Pat0 Bench0000", role="patient", password=COORDINATOR_PASSWORD)
    session.flush()
    session.execute(insert(User), [
        dict(email=f"bench.nurse{i}@example.org", full_name=f"Nurse {i}", role="nurse", password_hash="!",
             created_at=created)
        for i in range(1, size.nurses)
    ])
    nurse_rows = []
    for i, user_id in enumerate(_user_ids(session, "nurse")):
        lat, lon = point_in_metro(rng)
        nurse_rows.append(dict(user_id=user_id, first_name=f"Nurse{i}", last_name=f"Bench{i:03d}",
                               phone_e164="+13125550101", timezone=ZONE.key, home_address=f"{i} Bench St",
                               home_lat=lat, home_lon=lon, max_visits_per_day=4))
    session.execute(insert(Nurse), nurse_rows)
    nurse_ids = list(session.scalars(text("SELECT id FROM nurses ORDER BY id")))
    session.execute(insert(WorkingHours), [
        dict(nurse_id=n, weekday=d, start_time=time(7), end_time=time(19) if d < 5 else time(16))
        for n in nurse_ids for d in range(6)
    ])
    [patient_user] = _user_ids(session, "patient")
    patient_rows = []
    for i in range(size.patients):
        lat, lon = point_in_metro(rng)
        patient_rows.append(dict(
            first_name=f"Pat{i}", last_name=f"Bench{i:05d}", date_of_birth=date(1940 + i % 60, 1 + i % 12, 1 + i % 28),
            sex=("female", "male")[i % 2], height_cm=150 + i % 40, address_line=f"{i} Elm St", city="Chicago",
            postal_code="60601", lat=lat, lon=lon, timezone=ZONE.key, phone_e164="+13125550102",
            email=f"pat{i}@example.org", preferred_channel="email", email_consent_at=created, created_at=created,
            user_id=patient_user if i == 0 else None,
            # Serum IgA on record, as the first infusion requires (scheduler/operations/safety.py).
            iga_status="normal", iga_tested_on=anchor - timedelta(days=300),
        ))
    for chunk in range(0, len(patient_rows), 10_000):
        session.execute(insert(Patient), patient_rows[chunk:chunk + 10_000])
    patient_ids = list(session.scalars(text("SELECT id FROM patients ORDER BY id")))
    session.execute(insert(PatientWeight), [
        dict(patient_id=p, weight_kg=round(rng.uniform(45, 110), 1), measured_on=anchor - timedelta(days=300))
        for p in patient_ids
    ])
    log(f"{len(nurse_ids)} nurses, {len(patient_ids)} patients")

    first = anchor - timedelta(days=30 * size.months_past)
    last = anchor + timedelta(days=30 * size.months_ahead)
    visits, bulk = 0, Bulk(session)
    pairs = course_days(first, last)
    # A month of courses at a time keeps memory flat at a million visits.
    for month in range(0, len(pairs), 13):
        courses = [c for d1, d2 in pairs[month:month + 13] for c in day_courses(size, d1, d2, nurse_ids, patient_ids, seed)]
        visits += _insert_courses(bulk, size, courses, anchor=anchor, coordinator_id=coordinator.id,
                                  catalog_version=catalog.version, created=created)
        log(f"{visits} visits up to {pairs[min(month + 12, len(pairs) - 1)][1]}")
    bulk.finish()
    return Populated("", anchor, COORDINATOR_EMAIL, nurse_ids, patient_ids, visits)


class Bulk:
    """Rows with the ids given here, so nothing waits for ids to come back: PostgreSQL's
    COPY where it is, Core executemany on SQLite. The overlap backstop (triggers,
    exclusion constraints) and every CHECK stay on: migration 0100 made them cost the same
    at any size, and the generator never makes an overlap."""

    def __init__(self, session):
        self.session = session
        self.copy = session.bind.dialect.name == "postgresql"
        self.next_ids: dict[str, int] = {}

    def ids(self, table, count: int) -> list[int]:
        name = table.__tablename__
        if name not in self.next_ids:
            self.next_ids[name] = (self.session.scalar(text(f"SELECT COALESCE(MAX(id), 0) FROM {name}")) or 0) + 1
        first = self.next_ids[name]
        self.next_ids[name] = first + count
        return list(range(first, first + count))

    def insert(self, table, rows: list[dict]) -> None:
        if not rows:  # an empty list would insert one row of defaults
            return
        if not self.copy:
            self.session.execute(insert(table), rows)
            return
        columns = list(rows[0])
        cursor = self.session.connection().connection.cursor()
        with cursor.copy(f"COPY {table.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if isinstance(row[c], (dict, list)) else row[c] for c in columns])

    def finish(self) -> None:
        """Move PostgreSQL's sequences past the ids given here."""
        if self.copy:
            for name in self.next_ids:
                self.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                          f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))


def _insert_courses(bulk: Bulk, size: Size, courses, *, anchor: date, coordinator_id: int, catalog_version: str,
                    created: datetime) -> int:
    if not courses:
        return 0
    order_ids = bulk.ids(TherapyOrder, len(courses))
    bulk.insert(TherapyOrder, [
        dict(id=order_id, patient_id=c[0], product_id=PRODUCT, indication="pi", dose_g_per_kg=0.4, days=2,
             weight_policy="actual", rounding_g=None, premedication="", first_infusion=False, product_switch=False,
             earliest_start=c[2], window_days=4, status="completed" if c[2] < anchor else "active",
             lab_follow_up_hours=[24], prescriber="", created_by_id=coordinator_id, created_at=created)
        for order_id, c in zip(order_ids, courses)
    ])
    visit_rows = []
    for order_id, (patient_id, nurse_id, day1, day2, start, length) in zip(order_ids, courses):
        for day_number, day in ((1, day1), (2, day2)):
            visit_rows.append(dict(
                order_id=order_id, patient_id=patient_id, nurse_id=nurse_id, day_number=day_number,
                starts_at=local_utc(day, start), ends_at=local_utc(day, start + length),
                travel_before_min=0, travel_after_min=0, status="completed" if day < anchor else "booked",
                cancel_reason="", catalog_version=catalog_version, plan={}, version=1,
                created_by_id=coordinator_id, created_at=created,
            ))
    visit_ids = bulk.ids(Visit, len(visit_rows))
    bulk.insert(Visit, [dict(id=visit_id, **v) for visit_id, v in zip(visit_ids, visit_rows)])
    if not size.follow_up:
        return len(visit_rows)
    past = anchor - timedelta(days=1)
    reminders = [
        dict(id=reminder_id, kind="visit_eve", channel="email", patient_id=v["patient_id"], visit_id=visit_id,
             due_at=v["starts_at"] - timedelta(hours=18), expires_at=v["starts_at"],
             status="sent" if v["starts_at"].date() < past else "pending", attempts=1,
             sent_at=v["starts_at"] - timedelta(hours=18) if v["starts_at"].date() < past else None,
             dedupe_key=f"visit_eve:{visit_id}", created_at=created)
        for reminder_id, visit_id, v in zip(bulk.ids(Reminder, len(visit_rows)), visit_ids, visit_rows)
    ]
    bulk.insert(Reminder, reminders)
    last_days = [(visit_id, v) for visit_id, v in zip(visit_ids, visit_rows) if v["day_number"] == 2]
    draws = [dict(id=draw_id, patient_id=v["patient_id"], visit_id=visit_id, test="platelet_count", offset_hours=24,
                  due_at=v["ends_at"] + DRAW_AFTER, status="done" if v["ends_at"].date() < past else "scheduled",
                  done_at=v["ends_at"] + DRAW_AFTER if v["ends_at"].date() < past else None, created_at=created)
             for draw_id, (visit_id, v) in zip(bulk.ids(LabDraw, len(last_days)), last_days)]
    bulk.insert(LabDraw, draws)
    done = [draw for draw in draws if draw["status"] == "done"]
    bulk.insert(LabResult, [
        dict(id=result_id, lab_draw_id=draw["id"], value=150 + draw["id"] % 200, unit="10^9/L",
             resulted_at=draw["done_at"] + timedelta(hours=6), entered_by_id=coordinator_id)
        for result_id, draw in zip(bulk.ids(LabResult, len(done)), done)
    ])
    return len(visit_rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--size", choices=sorted(SIZES), default="a")
    args = parser.parse_args()
    started = clock.perf_counter()
    size = SIZES[args.size]

    def log(message: str) -> None:
        print(f"{clock.perf_counter() - started:7.1f} s  {message}", flush=True)

    result = populate(url_for(args.backend, size), size=size, log=log)
    print(f"{args.backend} size {size.name}: {len(result.nurse_ids)} nurses, {len(result.patient_ids)} patients, "
          f"{result.visits} visits in {clock.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
