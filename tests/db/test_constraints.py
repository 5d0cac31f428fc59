"""The database itself refuses impossible rows, whatever the code above it does."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from scheduler.models import PatientWeight, Visit
from tests.factories import make_nurse, make_order, make_patient, make_visit


def test_weight_of_zero_is_refused_by_the_database(session):
    patient = make_patient(session)
    session.add(PatientWeight(patient_id=patient.id, weight_kg=0, measured_on=date(2026, 11, 2)))
    with pytest.raises(IntegrityError, match="weight_kg"):
        session.flush()


def test_weight_above_350_kg_is_refused_by_the_database(session):
    patient = make_patient(session)
    session.add(PatientWeight(patient_id=patient.id, weight_kg=351, measured_on=date(2026, 11, 2)))
    with pytest.raises(IntegrityError, match="weight_kg"):
        session.flush()


def test_height_out_of_range_is_refused_by_the_database(session):
    with pytest.raises(IntegrityError, match="height_cm"):
        make_patient(session, height_cm=20)


def test_visit_ending_before_it_starts_is_refused_by_the_database(session):
    with pytest.raises(IntegrityError, match="ends_after_starts"):
        make_visit(session, duration=timedelta(hours=-1))


def test_non_positive_dose_is_refused_by_the_database(session):
    with pytest.raises(IntegrityError, match="dose_positive"):
        make_order(session, dose_g_per_kg=0)


def test_foreign_keys_are_enforced(session):
    order = make_order(session)
    nurse = make_nurse(session)
    start = datetime(2026, 11, 23, 15, tzinfo=timezone.utc)
    session.add(
        Visit(order_id=order.id, patient_id=999_999, nurse_id=nurse.id, day_number=1,
              starts_at=start, ends_at=start + timedelta(hours=4), catalog_version="v", plan={})
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_unknown_status_is_refused_by_the_database(session):
    visit = make_visit(session)
    session.commit()
    with pytest.raises(IntegrityError, match="status"):
        session.execute(text("UPDATE visits SET status = 'maybe' WHERE id = :id"), {"id": visit.id})


def test_datetimes_come_back_aware_in_utc(session):
    local = datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=-6)))
    visit = make_visit(session, starts_at=local)
    session.commit()
    session.expire_all()
    stored = session.get(Visit, visit.id).starts_at
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == local


def test_naive_datetime_is_refused(session):
    with pytest.raises(StatementError, match="naive datetime"):
        make_visit(session, starts_at=datetime(2026, 11, 23, 9, 30))
