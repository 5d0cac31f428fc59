"""Visits last less than a day, and the overlap backstop still catches every overlap now
that its lookup reaches back only that far (migration 0100_i20_bounded_intervals)."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from scheduler.models import Visit
from scheduler.models.visits import MAX_VISIT_DURATION, overlapping
from tests.factories import make_nurse, make_order, make_visit

MONDAY_NOON = datetime(2026, 11, 23, 18, tzinfo=timezone.utc)


def test_a_visit_of_a_full_day_is_refused_by_the_database(session):
    with pytest.raises(IntegrityError, match="too long|shorter_than_a_day"):
        make_visit(session, starts_at=MONDAY_NOON, duration=MAX_VISIT_DURATION)


def test_stretching_a_visit_to_a_day_is_refused_by_the_database(session):
    visit = make_visit(session, starts_at=MONDAY_NOON, duration=timedelta(hours=4))
    session.commit()
    visit.ends_at = MONDAY_NOON + timedelta(hours=30)
    with pytest.raises(IntegrityError, match="too long|shorter_than_a_day"):
        session.flush()


def test_a_visit_just_under_a_day_is_accepted(session):
    make_visit(session, starts_at=MONDAY_NOON, duration=MAX_VISIT_DURATION - timedelta(minutes=1))
    session.commit()


def test_the_backstop_catches_an_overlap_with_a_visit_that_began_almost_a_day_earlier(session):
    # The longest visit the database allows, then one starting just before it ends: the
    # bounded lookup must still reach back to the first.
    nurse = make_nurse(session)
    make_visit(session, nurse=nurse, starts_at=MONDAY_NOON, duration=MAX_VISIT_DURATION - timedelta(minutes=1))
    session.commit()
    with pytest.raises(IntegrityError, match="overlap"):
        make_visit(session, nurse=nurse, order=make_order(session), starts_at=MONDAY_NOON + timedelta(hours=23, minutes=58),
                   duration=timedelta(hours=2))


def test_the_backstop_catches_a_patient_overlap_reaching_back_almost_a_day(session):
    order = make_order(session)
    make_visit(session, order=order, starts_at=MONDAY_NOON, duration=MAX_VISIT_DURATION - timedelta(minutes=1))
    session.commit()
    with pytest.raises(IntegrityError, match="overlap"):
        make_visit(session, order=order, starts_at=MONDAY_NOON + timedelta(hours=23, minutes=58), duration=timedelta(hours=1))


def test_back_to_back_visits_a_day_apart_are_both_accepted(session):
    nurse = make_nurse(session)
    make_visit(session, nurse=nurse, starts_at=MONDAY_NOON, duration=MAX_VISIT_DURATION - timedelta(minutes=1))
    make_visit(session, nurse=nurse, starts_at=MONDAY_NOON + MAX_VISIT_DURATION, duration=timedelta(hours=3))
    session.commit()


def test_overlapping_finds_the_longest_visit_from_its_last_minute(session):
    visit = make_visit(session, starts_at=MONDAY_NOON, duration=MAX_VISIT_DURATION - timedelta(minutes=1))
    session.commit()
    last_minute = MONDAY_NOON + MAX_VISIT_DURATION - timedelta(minutes=2)
    assert session.scalars(select(Visit.id).where(overlapping(last_minute, last_minute + timedelta(hours=1)))).all() == [visit.id]
    after = MONDAY_NOON + MAX_VISIT_DURATION
    assert session.scalars(select(Visit.id).where(overlapping(after, after + timedelta(hours=1)))).all() == []


def test_the_sqlite_overlap_lookup_reads_the_window_through_the_index(session):
    if session.bind.dialect.name != "sqlite":
        pytest.skip("the triggers are SQLite's; PostgreSQL's exclusion constraint searches its GiST index")
    triggers = dict(session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all())
    for who in ("nurse", "patient"):
        for event in ("insert", "update"):
            assert "datetime(NEW.starts_at, '-24 hours')" in triggers[f"visits_no_{who}_overlap_{event}"]
