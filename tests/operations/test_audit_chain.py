"""The audit log's hash chain: appended rows verify; an edited or deleted row is found."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from scheduler.models import AuditEvent
from scheduler.operations import audit
from tests.conftest import ON_POSTGRES
from tests.factories import make_patient, make_user

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


def _append(session, n: int):
    actor = make_user(session, role="coordinator")
    patient = make_patient(session)
    events = [
        audit.record(session, actor=actor, action="read", object_type="patient", object_id=patient.id,
                     patient_id=patient.id, now=T0 + timedelta(seconds=i), details={"i": i}, source_ip="10.0.0.1")
        for i in range(n)
    ]
    session.commit()
    return events


@pytest.fixture
def drop_guard(app):
    """Drop the append-only triggers, as an attacker with DDL rights would first do; the
    chain must still tell. On PostgreSQL the database outlives the test: put them back."""

    def drop(session):
        if ON_POSTGRES:
            session.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
        else:
            session.execute(text("DROP TRIGGER audit_events_no_update"))
            session.execute(text("DROP TRIGGER audit_events_no_delete"))

    yield drop
    if ON_POSTGRES:
        with app.extensions["db_engine"].begin() as conn:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events"))
            conn.execute(text("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
                              "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"))


def test_an_untouched_chain_verifies(session):
    events = _append(session, 5)
    report = audit.verify_chain(session)
    assert report.ok and report.rows == 5 and report.head_hash == events[-1].row_hash
    assert events[0].prev_hash == audit.GENESIS_HASH
    assert all(b.prev_hash == a.row_hash for a, b in zip(events, events[1:]))


def test_update_and_delete_are_refused_by_the_database(session):
    events = _append(session, 2)
    with pytest.raises(DatabaseError):
        session.execute(text("UPDATE audit_events SET action = 'x' WHERE id = :id"), {"id": events[0].id})
    session.rollback()
    with pytest.raises(DatabaseError):
        session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[0].id})
    session.rollback()


def test_an_edited_row_is_found(session, drop_guard):
    events = _append(session, 5)
    drop_guard(session)
    session.execute(text("UPDATE audit_events SET object_id = '999' WHERE id = :id"), {"id": events[2].id})
    session.commit()
    session.expire_all()
    report = audit.verify_chain(session)
    assert not report.ok and report.broken_at_id == events[2].id and "edited" in report.problem


def test_a_deleted_row_is_found(session, drop_guard):
    events = _append(session, 5)
    drop_guard(session)
    session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[1].id})
    session.commit()
    report = audit.verify_chain(session)
    assert not report.ok and report.broken_at_id == events[2].id and "deleted" in report.problem


def test_the_verify_command_reports_tampering(runner, session, drop_guard):
    events = _append(session, 3)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    drop_guard(session)
    session.execute(text("UPDATE audit_events SET source_ip = '6.6.6.6' WHERE id = :id"), {"id": events[0].id})
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"row {events[0].id}" in result.output


def test_rows_from_the_cli_are_marked_system(session):
    event = audit.record(session, actor=None, action="export", object_type="audit_log", now=T0)
    assert event.actor_role == "system" and event.source_ip is None
    assert session.get(AuditEvent, event.id).row_hash == audit.row_hash(event)


def test_concurrent_writers_do_not_fork_the_chain(app):
    import threading

    maker = app.extensions["db_sessionmaker"]
    with maker() as session:
        actor = make_user(session, role="coordinator")
        session.commit()
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def writer(k: int):
        try:
            barrier.wait()
            for i in range(8):
                with maker() as session:
                    audit.record(session, actor=actor, action="read", object_type="patient", object_id=f"{k}-{i}",
                                 now=T0 + timedelta(seconds=i))
                    session.commit()
        except BaseException as exc:  # reported below, a thread cannot raise into the test
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with maker() as session:
        report = audit.verify_chain(session)
    assert report.ok and report.rows == 48
