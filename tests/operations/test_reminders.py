"""Reminder rows follow the visits and draws they announce, in the same transaction (REM-01)."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from scheduler.clinical import load_catalog
from scheduler.models import LabDraw, Reminder, Visit
from scheduler.operations import DomainError
from scheduler.operations.labs import record_result, set_draw_status
from scheduler.operations.reminders import replan_patient, retry_failed, set_consent
from scheduler.operations.visits import book_series, cancel_visit, reschedule_visit, visit_changed
from tests.factories import make_nurse, make_order, make_product, make_user, make_visit
from tests.reliability.reminder_rig import reminder_patient

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
MONDAY = date(2026, 11, 23)


def local(day: date, hh: int, zone=CHICAGO) -> datetime:
    return datetime.combine(day, time(hh), tzinfo=zone)


def rows(session, **where):
    query = select(Reminder).order_by(Reminder.due_at, Reminder.channel)
    for name, value in where.items():
        query = query.where(getattr(Reminder, name) == value)
    return list(session.scalars(query))


@pytest.fixture
def booked(session):
    coordinator = make_user(session, role="coordinator")
    nurse = make_nurse(session)
    patient = reminder_patient(session, channel="both", now=NOW, quiet_start=time(21), quiet_end=time(8), weight_kg=80)
    order = make_order(session, patient=patient, product=make_product(session), days=2, earliest_start=MONDAY)
    visits = book_series(session, order.id, nurse.id, local(MONDAY, 9), load_catalog(), actor=coordinator, now=NOW)
    session.commit()
    return coordinator, patient, visits


def test_booking_writes_the_evening_before_reminders_in_its_transaction(session, booked):
    _, patient, visits = booked
    reminders = rows(session, visit_id=visits[0].id)
    assert {(r.kind, r.channel) for r in reminders} == {("visit_eve", "email"), ("visit_eve", "sms")}
    assert all(r.due_at == local(MONDAY - timedelta(days=1), 18) for r in reminders)
    assert all(r.expires_at == visits[0].starts_at and r.status == "pending" for r in reminders)


def test_a_booking_that_fails_leaves_no_reminder(session, booked):
    coordinator, patient, _ = booked
    order = make_order(session, patient=patient, product=make_product(session), days=1, earliest_start=MONDAY)
    session.commit()
    before = len(rows(session))
    with pytest.raises(DomainError):  # the patient is already booked at that time
        book_series(session, order.id, make_nurse(session, first_name="Olga").id, local(MONDAY, 9), load_catalog(),
                    actor=coordinator, now=NOW)
    session.rollback()
    assert len(rows(session)) == before


def test_rescheduling_cancels_the_old_rows_and_writes_new_ones_for_the_new_time(session, booked):
    coordinator, _, visits = booked
    reschedule_visit(session, visits[1].id, local(MONDAY + timedelta(days=2), 13), actor=coordinator, now=NOW)
    session.commit()
    reminders = rows(session, visit_id=visits[1].id)
    old = [r for r in reminders if r.status == "cancelled"]
    new = [r for r in reminders if r.status == "pending"]
    assert len(old) == 2 and len(new) == 2
    assert all("-v2-" in r.dedupe_key and r.due_at == local(MONDAY + timedelta(days=1), 18) for r in new)


def test_cancelled_visit_sends_no_reminder(session, booked):
    coordinator, _, visits = booked
    cancel_visit(session, visits[0].id, "patient in hospital", scope="rest", actor=coordinator, now=NOW)
    session.commit()
    assert {r.status for r in rows(session)} == {"cancelled"}


def test_no_consent_or_channel_none_means_no_rows(session):
    patient = reminder_patient(session, channel="email", now=NOW)
    patient.email_consent_at = None
    visit = make_visit(session, order=make_order(session, patient=patient), starts_at=NOW + timedelta(days=2))
    visit_changed(session, visit, "booked", now=NOW)
    patient.preferred_channel, patient.email_consent_at = "none", NOW
    visit_changed(session, visit, "rescheduled", now=NOW)
    assert rows(session) == []


def test_morning_of_reminder_when_the_patient_asks_for_it(session):
    patient = reminder_patient(session, channel="email", now=NOW, morning_reminder=True,
                               quiet_start=time(21), quiet_end=time(8))
    visit = make_visit(session, order=make_order(session, patient=patient), starts_at=local(MONDAY, 11))
    visit_changed(session, visit, "booked", now=NOW)
    assert [(r.kind, r.due_at) for r in rows(session)] == [
        ("visit_eve", local(MONDAY - timedelta(days=1), 18)), ("visit_morning", local(MONDAY, 9))]


def complete(session, visit, when):
    visit.status = "completed"
    session.flush()
    visit_changed(session, visit, "completed", now=when)


def test_completing_the_last_day_creates_the_follow_up_draws_and_their_reminders(session):
    patient = reminder_patient(session, channel="sms", now=NOW, timezone="America/New_York",
                               quiet_start=time(21), quiet_end=time(8))
    order = make_order(session, patient=patient, days=2)
    nurse = make_nurse(session)
    day1 = make_visit(session, order=order, nurse=nurse, starts_at=local(MONDAY, 9, NEW_YORK), day_number=1)
    day2 = make_visit(session, order=order, nurse=nurse, starts_at=local(MONDAY + timedelta(days=1), 9, NEW_YORK),
                      day_number=2, duration=timedelta(hours=6))
    complete(session, day1, day1.ends_at)
    assert session.scalars(select(LabDraw)).all() == []  # not the last day
    complete(session, day2, day2.ends_at)
    draws = list(session.scalars(select(LabDraw).order_by(LabDraw.due_at)))
    assert [d.offset_hours for d in draws] == [24, 48, 72, 168]
    assert [d.due_at.astimezone(NEW_YORK).replace(tzinfo=None) for d in draws] == [
        datetime(2026, 11, 25, 15), datetime(2026, 11, 26, 15), datetime(2026, 11, 27, 15), datetime(2026, 12, 1, 15)]
    reminders = rows(session, kind="lab_draw")
    # Each draw's window opens at 13:00; its reminder goes 3 hours before.
    assert [r.due_at.astimezone(NEW_YORK).hour for r in reminders] == [10, 10, 10, 10]


def test_dst_infusion_ending_the_saturday_before_spring_forward(session):
    patient = reminder_patient(session, channel="email", now=NOW, timezone="America/New_York",
                               quiet_start=time(21), quiet_end=time(8))
    order = make_order(session, patient=patient, days=1, lab_follow_up_hours=[24])
    visit = make_visit(session, order=order, starts_at=datetime(2027, 3, 13, 10, tzinfo=NEW_YORK))  # ends 15:00 EST
    complete(session, visit, visit.ends_at)
    [draw] = session.scalars(select(LabDraw)).all()
    [reminder] = rows(session, kind="lab_draw")
    assert draw.due_at.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2027, 3, 14, 15)  # Sunday, EDT
    assert reminder.due_at.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2027, 3, 14, 10)


def test_a_draw_marked_done_or_with_a_result_stops_its_reminders(session):
    coordinator = make_user(session, role="coordinator")
    patient = reminder_patient(session, channel="email", now=NOW)
    visit = make_visit(session, order=make_order(session, patient=patient, days=1, lab_follow_up_hours=[24, 48]),
                       starts_at=NOW + timedelta(days=1))
    complete(session, visit, visit.ends_at)
    first, second = session.scalars(select(LabDraw).order_by(LabDraw.due_at)).all()
    set_draw_status(session, first.id, "done", actor=coordinator, now=NOW)
    record_result(session, second.id, 42.5, actor=coordinator, now=second.due_at)
    assert {r.status for r in rows(session, kind="lab_draw")} == {"expired"}
    assert second.result.value == 42.5 and second.status == "done"
    with pytest.raises(DomainError):
        record_result(session, first.id, 5000, actor=coordinator, now=NOW)


def test_stop_withdraws_consent_and_cancels_waiting_sms_rows_start_brings_them_back(session, booked):
    _, patient, visits = booked
    set_consent(session, patient, "sms", False, actor=None, now=NOW, via="sms reply")
    assert {r.status for r in rows(session, channel="sms")} == {"cancelled"}
    assert {r.status for r in rows(session, channel="email")} == {"pending"}
    set_consent(session, patient, "sms", True, actor=None, now=NOW, via="sms reply")
    assert {r.status for r in rows(session, channel="sms")} == {"pending"}


def test_quiet_hours_change_re_times_waiting_rows(session, booked):
    _, patient, _ = booked
    patient.quiet_start, patient.quiet_end = time(17), time(9)
    replan_patient(session, patient, now=NOW)
    pending = rows(session, status="pending")
    assert pending and all(r.due_at == local(MONDAY - timedelta(days=1), 16) + timedelta(minutes=30) for r in pending
                           if r.visit_id == pending[0].visit_id)


def test_retry_puts_a_failed_reminder_back_in_the_queue(session, booked):
    coordinator, _, visits = booked
    row = rows(session, visit_id=visits[0].id)[0]
    row.status, row.attempts = "failed", 5
    retry_failed(session, row.id, actor=coordinator, now=NOW)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, NOW)
    with pytest.raises(DomainError):
        retry_failed(session, row.id, actor=coordinator, now=NOW)
    assert session.get(Visit, visits[0].id).status == "booked"


def test_dashboard_lists_draws_not_drawn_on_time_and_results_not_back_within_a_day(session):
    from scheduler.operations.calendar import overdue_lab_draws

    coordinator = make_user(session, role="coordinator")
    patient = reminder_patient(session, channel="email", now=NOW)
    visit = make_visit(session, order=make_order(session, patient=patient, days=1, lab_follow_up_hours=[24, 48, 72]),
                       starts_at=NOW - timedelta(days=5))
    complete(session, visit, visit.ends_at)
    d24, d48, d72 = session.scalars(select(LabDraw).order_by(LabDraw.due_at)).all()
    set_draw_status(session, d24.id, "done", actor=coordinator, now=NOW - timedelta(days=3))  # result never came
    set_draw_status(session, d48.id, "done", actor=coordinator, now=NOW - timedelta(days=2))
    record_result(session, d48.id, 80, actor=coordinator, now=NOW - timedelta(days=2))
    assert [d.id for d in overdue_lab_draws(session, now=NOW)] == [d24.id, d72.id]
