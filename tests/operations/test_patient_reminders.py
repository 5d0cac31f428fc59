"""A coordinator's change of a patient's channel or consent moves his pending reminders in
the same transaction: withdrawn consent stops them before the worker ever sees them."""

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from scheduler.clinical import load_catalog
from scheduler.models import Reminder
from scheduler.operations.patients import create_patient, update_patient
from scheduler.operations.visits import book_series
from tests.factories import make_nurse, make_order, make_patient_values, make_product, make_user

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def test_withdrawn_email_consent_cancels_pending_email_reminders(session):
    coordinator = make_user(session, role="coordinator")
    patient = create_patient(session, make_patient_values(), weight_kg=70, measured_on=NOW.date() - timedelta(days=1),
                             actor=coordinator, now=NOW)
    order = make_order(session, patient=patient, product=make_product(session))
    start = datetime.combine(order.earliest_start, time(9), tzinfo=ZoneInfo("America/Chicago"))
    book_series(session, order.id, make_nurse(session).id, start, load_catalog(), actor=coordinator, now=NOW)
    session.commit()

    def pending_email():
        return session.scalars(select(Reminder).where(Reminder.patient_id == patient.id, Reminder.channel == "email",
                                                      Reminder.status == "pending")).all()

    assert len(pending_email()) == 2  # the evening before each of the two days
    update_patient(session, patient.id, make_patient_values(email_consent=False, preferred_channel="none"),
                   actor=coordinator, now=NOW)
    session.commit()
    assert pending_email() == []


def test_the_patient_record_lists_her_first_twenty_waiting_messages_by_due_time(session):
    """Waiting messages are sorted in Python (ORDER BY would walk every message she ever had):
    the 20 soonest, soonest first, whichever order they were stored in."""
    from scheduler.models import Patient
    from scheduler.operations.patient_record import SHOWN, patient_record
    from tests.factories import make_patient

    patient = make_patient(session)
    now = datetime(2026, 11, 20, 15, tzinfo=timezone.utc)
    hours = [7, 3, 25, 1, 19, 11, 2, 30, 5, 13, 17, 23, 29, 4, 8, 16, 21, 9, 27, 12, 6, 24, 14, 10, 18]
    for n, h in enumerate(hours):
        session.add(Reminder(kind="visit_eve", channel="email", patient_id=patient.id, due_at=now + timedelta(hours=h),
                             expires_at=now + timedelta(hours=h + 1), status="sending" if n % 5 == 0 else "pending",
                             dedupe_key=f"order-test-{n}"))
    session.add(Reminder(kind="visit_eve", channel="email", patient_id=patient.id, due_at=now - timedelta(days=400),
                         expires_at=now, status="sent", sent_at=now - timedelta(days=400), dedupe_key="order-test-sent"))
    session.flush()
    record = patient_record(session, session.get(Patient, patient.id), now=now)
    assert SHOWN == 20
    assert [r.due_at for r in record.pending] == [now + timedelta(hours=h) for h in sorted(hours)[:20]]
    assert [r.dedupe_key for r in record.sent] == ["order-test-sent"]
