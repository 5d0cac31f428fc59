"""Migration 0100_i17: every time-off row becomes an absence of kind leave with its id and
reason (and back again on downgrade); new absences get fresh ids afterwards."""

from datetime import datetime, timezone

from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from scheduler.cli import alembic_config
from tests.factories import make_nurse

REVISION = "i17_absences_and_replans"
# The revision just before: the factories' nurse (addresses of i13_first_day) already fits it.
BEFORE = "i16_order_life"


def test_time_off_moves_into_absences_and_back(database_url):
    config = alembic_config(database_url)
    command.downgrade(config, BEFORE)
    engine = create_engine(database_url)
    with Session(engine) as session:
        nurse = make_nurse(session)
        session.execute(text(
            "INSERT INTO nurse_time_off (id, nurse_id, starts_at, ends_at, reason) VALUES "
            "(7, :nurse, :s, :e, 'Holidays')"), {"nurse": nurse.id, "s": datetime(2026, 12, 24, 13, tzinfo=timezone.utc),
                                                  "e": datetime(2026, 12, 27, 1, tzinfo=timezone.utc)})
        session.commit()
        nurse_id = nurse.id

    command.upgrade(config, REVISION)
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT id, nurse_id, kind, reason FROM nurse_absences")).all()
        assert [tuple(r) for r in rows] == [(7, nurse_id, "leave", "Holidays")]
        conn.execute(text("INSERT INTO nurse_absences (nurse_id, starts_at, ends_at, kind, reason) "
                          "VALUES (:n, :s, :e, 'sick', '')"),
                     {"n": nurse_id, "s": datetime(2027, 1, 4, 13, tzinfo=timezone.utc),
                      "e": datetime(2027, 1, 5, 1, tzinfo=timezone.utc)})
        assert conn.execute(text("SELECT max(id) FROM nurse_absences")).scalar() == 8

    command.downgrade(config, BEFORE)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, reason FROM nurse_time_off ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(7, "Holidays"), (8, "sick")]
    command.upgrade(config, "head")
    engine.dispose()
