"""Cost follows what a page shows: the same small agency with one year and with ten years
of history reads the same number of rows on every page and booking operation.

Rows read are counted, never timed: SQLite calls a progress handler every N virtual-machine
instructions, and every row a statement visits (in a table, an index or a trigger's
lookup) costs instructions. A query that scans the years before its window reads about ten
times as much at ten years; a bounded one reads the same, give or take a b-tree level.

SQLite files on every leg of CI: the counter is SQLite's. The pages and operations are the
benchmark's (bench/pages.py), so a page added there is guarded here too. PostgreSQL plans
are checked by bench/plans.py (bench/README.md).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

import pytest
import time_machine
from sqlalchemy import event

from bench.pages import measurements, operations_now
from bench.populate import ZONE, Size, fill
from scheduler.app import create_app
from scheduler.db import make_engine, make_sessionmaker
from tests.conftest import migrate

# A Friday: the pages show today, next week and the nurse's Monday.
ANCHOR = date(2026, 12, 4)
NOW = datetime.combine(ANCHOR, time(9), tzinfo=ZONE)
# Three nurses, forty patients: a day's courses never need more than 4 x 3 patients.
ONE_YEAR = Size("guard_1y", nurses=3, patients=40, months_past=12)
TEN_YEARS = Size("guard_10y", nurses=3, patients=40, months_past=120)
# A deeper b-tree costs a few instructions per lookup; a scan of the years costs ~10x.
ALLOWED_GROWTH = 1.25
INSTRUCTIONS_PER_TICK = 10
# No page is exempt: the patient's own page and her summary show her platelet follow-up of
# the last twelve months by default (the whole history is a link), so they too read the same.


def steps_per_measurement(directory, size: Size) -> dict[str, int]:
    url = f"sqlite:///{directory / (size.name + '.sqlite3')}"
    migrate(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        fill(session, size, anchor=ANCHOR)
        session.commit()
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()

    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "tests-only-" + uuid.uuid4().hex,
                      "WTF_CSRF_ENABLED": False, "PROTOCOL_FILE": str(directory / "protocol.toml")})
    ticks = {"on": False, "count": 0}

    def tick() -> int:
        if ticks["on"]:
            ticks["count"] += 1
        return 0  # 0: carry on

    @event.listens_for(app.extensions["db_engine"], "connect")
    def count_steps(dbapi_connection, _record):
        dbapi_connection.set_progress_handler(tick, INSTRUCTIONS_PER_TICK)

    app.extensions["db_engine"].dispose()  # every connection from here on is counted
    counted = {}
    with time_machine.travel(NOW, tick=False):
        for m in measurements(app, ANCHOR, now=operations_now(ANCHOR)):
            m.run()  # warm: logins, caches, lazily built statements
            ticks.update(on=True, count=0)
            m.run()
            ticks["on"] = False
            counted[m.name] = ticks["count"] * INSTRUCTIONS_PER_TICK
    app.extensions["db_engine"].dispose()
    return counted


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    directory = tmp_path_factory.mktemp("history_guard")
    return steps_per_measurement(directory, ONE_YEAR), steps_per_measurement(directory, TEN_YEARS)


def test_no_page_or_booking_operation_reads_more_rows_with_ten_years_of_history(steps):
    one_year, ten_years = steps
    report = "\n".join(f"{name:55} {one_year[name]:>10,} {ten_years[name]:>10,} {ten_years[name] / one_year[name]:5.2f}x"
                       for name in one_year)
    print("\nSQLite instructions: 1 year, 10 years, ratio\n" + report)
    grown = [name for name in one_year if ten_years[name] > ALLOWED_GROWTH * one_year[name]]
    assert grown == [], f"these read more with more history:\n{report}"
