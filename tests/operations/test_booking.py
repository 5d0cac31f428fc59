"""The booking operation enforces every rule, books a course all-or-nothing, and moves and
cancels visits; the database refuses overlaps even when the operation is bypassed."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from scheduler.clinical import load_catalog
from scheduler.models import TimeOff, Visit
from scheduler.operations import DomainError
from scheduler.operations.visits import SchedulingConflict, book_series, cancel_visit, reschedule_visit, suggest_for_order
from tests.factories import make_nurse, make_order, make_patient, make_product, make_user, make_visit

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
MONDAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=CHICAGO)


@pytest.fixture
def world(session):
    """A coordinator, a nurse in Chicago working 07:00-19:00 on weekdays, and an 80 kg patient
    with a 1 g/kg x 2 days Octagam 10% order starting Monday."""
    coordinator = make_user(session, role="coordinator")
    nurse = make_nurse(session)
    patient = make_patient(session, weight_kg=80, height_cm=175, sex="male")
    order = make_order(session, patient=patient, product=make_product(session), days=2, earliest_start=MONDAY)
    session.commit()
    return coordinator, nurse, patient, order


def book(session, catalog, world, start, nurse=None, order=None):
    coordinator, default_nurse, _, default_order = world
    return book_series(session, (order or default_order).id, (nurse or default_nurse).id, start, catalog,
                       actor=coordinator, now=NOW)


def rules(excinfo) -> list[str]:
    return [c.rule for c in excinfo.value.conflicts]


def test_booking_creates_every_day_of_the_course_with_the_plan(session, catalog, world):
    visits = book(session, catalog, world, local(MONDAY, 8))
    session.commit()
    assert [v.day_number for v in visits] == [1, 2]
    assert [v.starts_at.astimezone(CHICAGO).date() for v in visits] == [MONDAY, MONDAY + timedelta(days=1)]
    for visit in visits:
        assert visit.catalog_version == catalog.version
        assert visit.plan["product"] == "octagam_10" and visit.plan["weight_kg"] == 80


def test_visit_length_is_the_plans_visit_length(session, catalog, world):
    [day1, _] = book(session, catalog, world, local(MONDAY, 8))
    planned_min = day1.plan["days"][0]["visit_min"]
    assert (day1.ends_at - day1.starts_at) == timedelta(minutes=-(-planned_min // 1))


def test_visit_outside_working_hours_is_refused(session, catalog, world):
    with pytest.raises(SchedulingConflict) as excinfo:
        book(session, catalog, world, local(MONDAY, 16))
    assert "working_hours" in rules(excinfo)


def test_visit_in_time_off_is_refused(session, catalog, world):
    _, nurse, _, _ = world
    session.add(TimeOff(nurse_id=nurse.id, starts_at=local(MONDAY, 0), ends_at=local(MONDAY, 23, 59), reason="course"))
    session.commit()
    with pytest.raises(SchedulingConflict) as excinfo:
        book(session, catalog, world, local(MONDAY, 8))
    assert rules(excinfo) == ["time_off"]


def test_nurse_overlap_including_travel_is_refused_and_names_the_visit(session, catalog, world):
    _, nurse, _, _ = world
    evanston = make_order(session, patient=make_patient(session, lat=42.048, lon=-87.681))  # ~18 km away
    other = make_visit(session, order=evanston, nurse=nurse, starts_at=local(MONDAY, 7), duration=timedelta(hours=2))
    session.commit()
    with pytest.raises(SchedulingConflict) as excinfo:
        book(session, catalog, world, local(MONDAY, 9, 15))  # 15 min is too short a drive from Evanston
    assert rules(excinfo) == ["nurse_overlap"]
    assert excinfo.value.conflicts[0].visit_id == other.id
    # In words, with the numbers: whose visit holds the nurse, until when, and the drive.
    message = str(excinfo.value)
    assert f"is at {other.patient.first_name} {other.patient.last_name}'s until 09:00 CST" in message
    assert "min drive" in message


def test_patient_overlap_is_refused(session, catalog, world):
    _, _, patient, _ = world
    other_nurse = make_nurse(session, first_name="Olga")
    make_visit(session, order=make_order(session, patient=patient), nurse=other_nurse, starts_at=local(MONDAY + timedelta(days=1), 10))
    session.commit()
    with pytest.raises(SchedulingConflict) as excinfo:
        book(session, catalog, world, local(MONDAY, 8))
    assert rules(excinfo) == ["patient_overlap"]


def test_order_window_holds(session, catalog, world):
    with pytest.raises(SchedulingConflict) as excinfo:
        book(session, catalog, world, local(MONDAY + timedelta(days=7), 8))  # window is +-4 days
    assert rules(excinfo) == ["order_window"]


def test_series_is_all_or_nothing(session, catalog, world):
    _, nurse, _, order = world
    make_visit(session, nurse=nurse, starts_at=local(MONDAY + timedelta(days=1), 9))  # blocks day 2 only
    session.commit()
    with pytest.raises(SchedulingConflict):
        book(session, catalog, world, local(MONDAY, 8))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Visit).where(Visit.order_id == order.id)) == 0


def test_booking_in_the_past_is_refused(session, catalog, world):
    with pytest.raises(DomainError, match="past"):
        book(session, catalog, world, NOW - timedelta(hours=1))


def test_suggestions_are_all_bookable(session, catalog, world):
    _, nurse, _, order = world
    make_visit(session, nurse=nurse, starts_at=local(MONDAY, 7))
    session.commit()
    slots = suggest_for_order(session, order.id, catalog, now=NOW)
    assert slots
    first = slots[0]
    visits = book_series(session, order.id, first.nurse_id, first.starts_at[0], catalog, actor=world[0], now=NOW)
    assert [v.starts_at for v in visits] == list(first.starts_at)


def test_reschedule_one_day_moves_only_that_visit(session, catalog, world):
    day1, day2 = book(session, catalog, world, local(MONDAY, 8))
    session.commit()
    [moved] = reschedule_visit(session, day2.id, local(MONDAY + timedelta(days=1), 10), scope="one", actor=world[0], now=NOW)
    session.commit()
    assert moved.starts_at == local(MONDAY + timedelta(days=1), 10)
    assert moved.version == 2 and day1.starts_at == local(MONDAY, 8)


def test_reschedule_the_rest_of_the_series_by_a_day(session, catalog, world):
    day1, day2 = book(session, catalog, world, local(MONDAY, 8))
    session.commit()
    moved = reschedule_visit(session, day1.id, local(MONDAY + timedelta(days=1), 8), scope="rest", actor=world[0], now=NOW)
    session.commit()
    assert sorted(v.starts_at for v in moved) == [local(MONDAY + timedelta(days=1), 8), local(MONDAY + timedelta(days=2), 8)]


def test_reschedule_into_a_conflict_is_refused_and_changes_nothing(session, catalog, world):
    day1, _ = book(session, catalog, world, local(MONDAY, 8))
    session.commit()
    with pytest.raises(SchedulingConflict):
        reschedule_visit(session, day1.id, local(MONDAY, 18), scope="one", actor=world[0], now=NOW)
    session.rollback()
    assert session.get(Visit, day1.id).starts_at == local(MONDAY, 8)


def test_cancel_needs_a_reason(session, catalog, world):
    day1, _ = book(session, catalog, world, local(MONDAY, 8))
    with pytest.raises(DomainError, match="reason"):
        cancel_visit(session, day1.id, "  ", actor=world[0], now=NOW)


def test_cancel_the_rest_of_the_series_frees_the_slots(session, catalog, world):
    day1, day2 = book(session, catalog, world, local(MONDAY, 8))
    session.commit()
    cancelled = cancel_visit(session, day1.id, "Patient admitted to hospital", scope="rest", actor=world[0], now=NOW)
    session.commit()
    assert {v.status for v in cancelled} == {"cancelled"} and len(cancelled) == 2
    # The same slot can now be booked again.
    assert len(book(session, catalog, world, local(MONDAY, 8))) == 2


def test_database_refuses_an_overlapping_visit_even_without_the_operation(session):
    nurse = make_nurse(session)
    make_visit(session, nurse=nurse, starts_at=local(MONDAY, 8), duration=timedelta(hours=4))
    session.commit()
    with pytest.raises(IntegrityError, match="overlap"):
        make_visit(session, nurse=nurse, starts_at=local(MONDAY, 11), duration=timedelta(hours=4))
    session.rollback()
    # A cancelled visit does not block.
    session.execute(text("UPDATE visits SET status = 'cancelled'"))
    make_visit(session, nurse=nurse, starts_at=local(MONDAY, 11), duration=timedelta(hours=4))
    session.commit()


def test_database_refuses_moving_a_visit_onto_another(session):
    nurse = make_nurse(session)
    make_visit(session, nurse=nurse, starts_at=local(MONDAY, 8), duration=timedelta(hours=3))
    later = make_visit(session, nurse=nurse, starts_at=local(MONDAY, 13), duration=timedelta(hours=3))
    session.commit()
    later.starts_at = local(MONDAY, 10)
    with pytest.raises(IntegrityError, match="overlap"):
        session.flush()
