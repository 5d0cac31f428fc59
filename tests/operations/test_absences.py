"""Absences (sick, leave, training): typed in the nurse's zone, recorded even over her
booked visits (which the answer names), refused when they overlap another absence; time
off recorded before this existed is an absence of kind leave."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from scheduler.models import Absence, AuditEvent
from scheduler.operations import AccessDenied, NotFound
from scheduler.operations.absences import record_absence, remove_absence
from scheduler.operations.checks import InvalidValues
from tests.factories import make_nurse, make_user, make_visit

NOW = datetime(2026, 11, 20, 15, tzinfo=timezone.utc)


@pytest.fixture
def coordinator(session):
    return make_user(session, role="coordinator")


def test_absence_is_typed_in_her_zone_and_stored_in_utc(session, coordinator):
    nurse = make_nurse(session, timezone="America/New_York")
    recorded = record_absence(session, nurse.id, datetime(2026, 12, 24, 8), datetime(2026, 12, 26, 20), "leave",
                              "Holidays", actor=coordinator, now=NOW)
    session.commit()
    assert recorded.absence.starts_at == datetime(2026, 12, 24, 13, tzinfo=timezone.utc)
    assert recorded.absence.ends_at.astimezone(ZoneInfo("America/New_York")).hour == 20
    assert recorded.absence.kind == "leave" and recorded.affected == []


def test_an_aware_instant_is_taken_as_it_is(session, coordinator):
    nurse = make_nurse(session)
    start = datetime(2026, 11, 23, 13, tzinfo=timezone.utc)
    recorded = record_absence(session, nurse.id, start, start + timedelta(hours=10), "training", "",
                              actor=coordinator, now=NOW)
    assert recorded.absence.starts_at == start


def test_sick_call_over_booked_visits_is_recorded_and_names_them(session, coordinator):
    nurse = make_nurse(session)
    inside = make_visit(session, nurse=nurse, starts_at=datetime(2026, 11, 23, 15, tzinfo=timezone.utc))
    make_visit(session, nurse=nurse, starts_at=datetime(2026, 11, 25, 15, tzinfo=timezone.utc))  # after it
    cancelled = make_visit(session, nurse=nurse, starts_at=datetime(2026, 11, 24, 15, tzinfo=timezone.utc))
    cancelled.status = "cancelled"
    recorded = record_absence(session, nurse.id, datetime(2026, 11, 23, 0), datetime(2026, 11, 25, 0), "sick", "flu",
                              actor=coordinator, now=NOW)
    assert [v.id for v in recorded.affected] == [inside.id]
    event = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "nurse_absence")).one()
    assert event.details["affected_visit_ids"] == [inside.id] and event.details["kind"] == "sick"


@pytest.mark.parametrize(("starts", "ends", "kind", "field", "message"), [
    (datetime(2026, 12, 24, 8), datetime(2026, 12, 24, 8), "sick", "ends_local", "end must be after the start"),
    (datetime(2027, 3, 14, 2, 30), datetime(2027, 3, 14, 9), "sick", "starts_local", "does not exist in America/Chicago"),
    (datetime(2026, 12, 1, 8), datetime(2028, 12, 1, 8), "leave", "ends_local", "at most a year"),
    (datetime(2026, 12, 1, 8), datetime(2026, 12, 1, 9), "holiday", "kind", "sick, leave or training"),
    (None, datetime(2026, 12, 1, 9), "sick", "starts_local", "Enter the start"),
])
def test_bad_absences_are_refused_beside_their_field(session, coordinator, starts, ends, kind, field, message):
    nurse = make_nurse(session)
    with pytest.raises(InvalidValues) as excinfo:
        record_absence(session, nurse.id, starts, ends, kind, "", actor=coordinator, now=NOW)
    assert message in excinfo.value.errors[field]


def test_an_overlapping_absence_is_refused_with_the_one_in_the_way(session, coordinator):
    nurse = make_nurse(session)
    record_absence(session, nurse.id, datetime(2026, 12, 1, 8), datetime(2026, 12, 1, 17), "sick", "",
                   actor=coordinator, now=NOW)
    with pytest.raises(InvalidValues, match="already recorded absent from Tue 01 Dec 2026 08:00 CST"):
        record_absence(session, nurse.id, datetime(2026, 12, 1, 12), datetime(2026, 12, 2, 17), "sick", "",
                       actor=coordinator, now=NOW)
    # Back to back is not an overlap.
    record_absence(session, nurse.id, datetime(2026, 12, 1, 17), datetime(2026, 12, 2, 17), "sick", "",
                   actor=coordinator, now=NOW)


def test_nurses_cannot_record_absences(session):
    nurse = make_nurse(session)
    with pytest.raises(AccessDenied):
        record_absence(session, nurse.id, datetime(2026, 12, 1, 8), datetime(2026, 12, 1, 17), "sick", "",
                       actor=nurse.user, now=NOW)


def test_absence_is_removed_only_from_its_own_nurse(session, coordinator):
    nurse, other = make_nurse(session), make_nurse(session)
    absence = record_absence(session, nurse.id, datetime(2026, 12, 1, 8), datetime(2026, 12, 1, 12), "leave", "",
                             actor=coordinator, now=NOW).absence
    with pytest.raises(NotFound):
        remove_absence(session, other.id, absence.id, actor=coordinator, now=NOW)
    remove_absence(session, nurse.id, absence.id, actor=coordinator, now=NOW + timedelta(minutes=1))
    assert session.scalars(select(Absence)).all() == []
