"""Nurse operations: registration with a login, hours, limits, time off in her own zone."""

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from scheduler.models import AuditEvent, TimeOff
from scheduler.operations import NotFound
from scheduler.operations.checks import InvalidValues
from scheduler.operations.nurses import (
    TimeOffConflict,
    add_time_off,
    create_nurse,
    remove_time_off,
    update_nurse,
)
from tests.factories import PASSWORD, make_nurse, make_nurse_values, make_user, make_visit

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


def test_time_off_is_typed_in_her_zone_and_stored_in_utc(session, coordinator):
    nurse = make_nurse(session, timezone="America/New_York")
    off = add_time_off(session, nurse.id, datetime(2026, 12, 24, 8), datetime(2026, 12, 26, 20), "Holidays",
                       actor=coordinator, now=NOW)
    session.commit()
    assert off.starts_at == datetime(2026, 12, 24, 13, tzinfo=timezone.utc)
    assert off.ends_at.astimezone(ZoneInfo("America/New_York")).hour == 20


def test_time_off_must_end_after_it_starts(session, coordinator):
    nurse = make_nurse(session)
    with pytest.raises(InvalidValues) as excinfo:
        add_time_off(session, nurse.id, datetime(2026, 12, 24, 8), datetime(2026, 12, 24, 8), "",
                     actor=coordinator, now=NOW)
    assert "ends_local" in excinfo.value.errors


def test_time_off_at_a_time_the_clocks_skip_is_refused(session, coordinator):
    nurse = make_nurse(session)  # Chicago: 2027-03-14 02:30 does not exist
    with pytest.raises(InvalidValues, match="does not exist in America/Chicago") as excinfo:
        add_time_off(session, nurse.id, datetime(2027, 3, 14, 2, 30), datetime(2027, 3, 14, 9), "",
                     actor=coordinator, now=NOW)
    assert "starts_local" in excinfo.value.errors


def test_time_off_over_an_open_visit_is_refused_until_the_visit_moves(session, coordinator):
    nurse = make_nurse(session)
    visit = make_visit(session, nurse=nurse, starts_at=datetime(2026, 11, 23, 15, tzinfo=timezone.utc))
    with pytest.raises(TimeOffConflict, match="1 open visit"):
        add_time_off(session, nurse.id, datetime(2026, 11, 23, 0), datetime(2026, 11, 24, 0), "", actor=coordinator,
                     now=NOW)
    visit.status = "cancelled"
    add_time_off(session, nurse.id, datetime(2026, 11, 23, 0), datetime(2026, 11, 24, 0), "", actor=coordinator, now=NOW)


def test_time_off_is_removed_only_from_its_own_nurse(session, coordinator):
    nurse, other = make_nurse(session), make_nurse(session)
    off = add_time_off(session, nurse.id, datetime(2026, 12, 1, 8), datetime(2026, 12, 1, 12), "",
                       actor=coordinator, now=NOW)
    with pytest.raises(NotFound):
        remove_time_off(session, other.id, off.id, actor=coordinator, now=NOW)
    remove_time_off(session, nurse.id, off.id, actor=coordinator, now=NOW + timedelta(minutes=1))
    assert session.scalars(select(TimeOff)).all() == []
