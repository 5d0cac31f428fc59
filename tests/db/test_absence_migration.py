"""Migration 0100_i17: every time-off row becomes an absence of kind leave with its id and
reason (and back again on downgrade); new absences get fresh ids afterwards."""

from datetime import datetime, timezone

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from scheduler.cli import alembic_config
from tests.factories import make_nurse

REVISION = "i17_absences_and_replans"


def test_time_off_moves_into_absences_and_back(database_url):
    config = alembic_config(database_url)
    # The revision before ours, whatever the integrator chained it after.
    before = ScriptDirectory.from_config(config).get_revision(REVISION).down_revision
    engine = create_engine(database_url)
    with Session(engine) as session:  # made at head (the models' columns); the row survives the downgrade
        nurse_id = make_nurse(session).id
        session.commit()
    command.downgrade(config, before)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO nurse_time_off (id, nurse_id, starts_at, ends_at, reason) "
                              "VALUES (7, :nurse, :s, :e, 'Holidays')"),
                         {"nurse": nurse_id, "s": datetime(2026, 12, 24, 13, tzinfo=timezone.utc),
                          "e": datetime(2026, 12, 27, 1, tzinfo=timezone.utc)})

        command.upgrade(config, REVISION)
        with engine.begin() as conn:
            rows = conn.execute(text("SELECT id, nurse_id, kind, reason FROM nurse_absences")).all()
            assert [tuple(r) for r in rows] == [(7, nurse_id, "leave", "Holidays")]
            conn.execute(text("INSERT INTO nurse_absences (nurse_id, starts_at, ends_at, kind, reason) "
                              "VALUES (:n, :s, :e, 'sick', '')"),
                         {"n": nurse_id, "s": datetime(2027, 1, 4, 13, tzinfo=timezone.utc),
                          "e": datetime(2027, 1, 5, 1, tzinfo=timezone.utc)})
            assert conn.execute(text("SELECT max(id) FROM nurse_absences")).scalar() == 8

        command.downgrade(config, before)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, reason FROM nurse_time_off ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(7, "Holidays"), (8, "sick")]
    finally:
        # On PostgreSQL the suite shares one migrated database: leave it at head whatever happened.
        command.upgrade(config, "head")
        engine.dispose()
