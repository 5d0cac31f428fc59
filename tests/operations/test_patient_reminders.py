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
