"""Object-level access in operations: who reaches which patient and which visit."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from scheduler.models import AuditEvent, Patient
from scheduler.operations import AccessDenied, NotFound
from scheduler.operations.access import (
    NURSE_ACCESS_AFTER,
    NURSE_ACCESS_BEFORE,
    patient_scope,
    read_patient,
    require_patient_access,
    require_visit_access,
)
from tests.factories import make_nurse, make_order, make_patient, make_user, make_visit

VISIT_START = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
VISIT_LENGTH = timedelta(hours=5)


@pytest.fixture
def nurse_visit(session):
    nurse = make_nurse(session)
    visit = make_visit(session, nurse=nurse, starts_at=VISIT_START, duration=VISIT_LENGTH)
    return nurse, visit


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_admin_and_coordinator_reach_every_patient(session, role):
    actor = make_user(session, role=role)
    patient = make_patient(session)
    assert require_patient_access(session, actor, patient.id, now=VISIT_START).id == patient.id


@pytest.mark.parametrize(
    "now, allowed",
    [
        (VISIT_START - NURSE_ACCESS_BEFORE - timedelta(minutes=1), False),
        (VISIT_START - NURSE_ACCESS_BEFORE, True),
        (VISIT_START, True),
        (VISIT_START + VISIT_LENGTH + NURSE_ACCESS_AFTER, True),
        (VISIT_START + VISIT_LENGTH + NURSE_ACCESS_AFTER + timedelta(minutes=1), False),
    ],
)
def test_nurse_reaches_her_visits_patient_only_within_the_window(session, nurse_visit, now, allowed):
    nurse, visit = nurse_visit
    if allowed:
        assert require_patient_access(session, nurse.user, visit.patient_id, now=now).id == visit.patient_id
        assert require_visit_access(session, nurse.user, visit.id, now=now).id == visit.id
    else:
        with pytest.raises(NotFound):
            require_patient_access(session, nurse.user, visit.patient_id, now=now)
        with pytest.raises(NotFound):
            require_visit_access(session, nurse.user, visit.id, now=now)


def test_nurse_does_not_reach_another_nurses_visit_or_patient(session, nurse_visit):
    _, visit = nurse_visit
    stranger = make_nurse(session, first_name="Olga")
    with pytest.raises(NotFound):
        require_visit_access(session, stranger.user, visit.id, now=VISIT_START)
    with pytest.raises(NotFound):
        require_patient_access(session, stranger.user, visit.patient_id, now=VISIT_START)


def test_a_cancelled_visit_gives_the_nurse_no_access(session, nurse_visit):
    nurse, visit = nurse_visit
    visit.status = "cancelled"
    session.flush()
    with pytest.raises(NotFound):
        require_patient_access(session, nurse.user, visit.patient_id, now=VISIT_START)


def test_patient_reaches_only_his_own_record_and_visits(session, nurse_visit):
    _, visit = nurse_visit
    login = make_user(session, role="patient")
    own = make_patient(session, user_id=login.id)
    own_visit = make_visit(session, order=make_order(session, patient=own), starts_at=VISIT_START + timedelta(days=3))
    assert require_patient_access(session, login, own.id, now=VISIT_START).id == own.id
    assert require_visit_access(session, login, own_visit.id, now=VISIT_START).id == own_visit.id
    with pytest.raises(NotFound):
        require_patient_access(session, login, visit.patient_id, now=VISIT_START)
    with pytest.raises(NotFound):
        require_visit_access(session, login, visit.id, now=VISIT_START)


def test_a_refusal_looks_like_a_missing_object(session, nurse_visit):
    _, visit = nurse_visit
    login = make_user(session, role="patient")
    with pytest.raises(NotFound) as refused:
        require_patient_access(session, login, visit.patient_id, now=VISIT_START)
    with pytest.raises(NotFound) as missing:
        require_patient_access(session, login, 999_999, now=VISIT_START)
    assert str(refused.value) == str(missing.value)


def test_an_actor_without_a_known_role_is_refused(session):
    patient = make_patient(session)
    with pytest.raises(AccessDenied):
        require_patient_access(session, None, patient.id, now=VISIT_START)


def test_lists_filter_in_sql(session, nurse_visit):
    nurse, visit = nurse_visit
    make_patient(session)  # not hers
    visible = session.scalars(select(Patient.id).where(patient_scope(nurse.user, now=VISIT_START))).all()
    assert visible == [visit.patient_id]


def test_reading_a_patient_writes_one_audit_row_with_ids_only(session):
    actor = make_user(session, role="coordinator")
    patient = make_patient(session, last_name="Auditedname")
    read_patient(session, actor, patient.id, now=VISIT_START)
    rows = session.scalars(select(AuditEvent)).all()
    assert [(r.action, r.object_type, r.object_id, r.patient_id, r.actor_user_id, r.actor_role) for r in rows] == [
        ("read", "patient", str(patient.id), patient.id, actor.id, "coordinator")
    ]
    assert "Auditedname" not in repr([r.details for r in rows])
