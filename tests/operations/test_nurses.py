"""Nurse operations: registration with a login, hours, limits (absences: test_absences.py)."""

from datetime import datetime, time, timezone

import pytest
from sqlalchemy import select

from scheduler.models import AuditEvent
from scheduler.operations.checks import InvalidValues
from scheduler.operations.nurses import create_nurse, update_nurse
from tests.factories import PASSWORD, make_nurse, make_nurse_values, make_user

NOW = datetime(2026, 11, 20, 15, tzinfo=timezone.utc)
DAY_OFF = (None, None)


@pytest.fixture
def coordinator(session):
    return make_user(session, role="coordinator")


def create(session, actor, *, email="ana@example.org", password=PASSWORD, **overrides):
    return create_nurse(session, make_nurse_values(**overrides), email=email, full_name="Ana Ruiz",
                        password=password, actor=actor, now=NOW)


def test_a_new_nurse_gets_a_nurse_login_her_week_and_an_audit_row(session, coordinator):
    nurse = create(session, coordinator, email="Ana@Example.org")
    session.commit()
    assert (nurse.user.email, nurse.user.role, nurse.phone_e164) == ("ana@example.org", "nurse", "+17735550142")
    assert [(h.weekday, h.start_time, h.end_time) for h in nurse.working_hours] == [
        (d, time(8), time(17)) for d in range(5)]
    event = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "nurse")).one()
    assert event.action == "create" and event.details == {"user_id": nurse.user_id}


def test_registration_refuses_a_duplicate_email_and_a_short_password_together(session, coordinator):
    make_user(session, email="ana@example.org", role="nurse")
    with pytest.raises(InvalidValues) as excinfo:
        create(session, coordinator, password="short")
    assert "already exists" in excinfo.value.errors["email"]
    assert "12 characters" in excinfo.value.errors["password"]


@pytest.mark.parametrize("overrides, field", [
    ({"max_visits_per_day": 7}, "max_visits_per_day"),
    ({"max_visits_per_day": 0}, "max_visits_per_day"),
    ({"phone": ""}, "phone"),
    ({"phone": "555"}, "phone"),
    ({"timezone": "Chicago"}, "timezone"),
    ({"home_lat": 100.0}, "home_lat"),
    ({"hours": ((time(17), time(8)),) + (DAY_OFF,) * 6}, "end_0"),
    ({"hours": (DAY_OFF, (time(9), None)) + (DAY_OFF,) * 5}, "end_1"),
])
def test_bad_nurse_values_are_refused_beside_their_field(session, coordinator, overrides, field):
    with pytest.raises(InvalidValues) as excinfo:
        create(session, coordinator, **overrides)
    assert field in excinfo.value.errors


def test_update_replaces_the_week_and_audits_what_changed(session, coordinator):
    nurse = make_nurse(session)
    hours = ((time(7), time(15)),) + (DAY_OFF,) * 5 + ((time(9), time(13)),)
    update_nurse(session, nurse.id, make_nurse_values(hours=hours, max_visits_per_day=3), actor=coordinator, now=NOW)
    session.commit()
    assert [(h.weekday, h.start_time) for h in nurse.working_hours] == [(0, time(7)), (6, time(9))]
    event = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "nurse")).one()
    assert {"max_visits_per_day", "working_hours"} <= set(event.details["fields"])
