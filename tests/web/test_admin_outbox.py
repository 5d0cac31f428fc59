"""The admin's outbox: every reminder by status (pending, sent, failed, expired...),
filterable, reached from the menu, audited as a read of the patients it shows."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from scheduler.models import AuditEvent, Reminder
from tests.factories import PASSWORD, make_patient, make_user

DUE = datetime(2026, 12, 7, 14, 0, tzinfo=timezone.utc)


@pytest.fixture
def outbox(session, client):
    make_user(session, role="admin", email="admin@example.org")
    maria = make_patient(session, first_name="Maria", last_name="Lopez", timezone="America/New_York")
    jon = make_patient(session, first_name="Jon", last_name="Berg")
    rows = {}
    for n, (patient, status, kind, channel) in enumerate([
        (maria, "pending", "visit_eve", "email"), (maria, "sent", "visit_morning", "sms"),
        (jon, "failed", "lab_draw", "sms"), (jon, "expired", "visit_eve", "email"),
    ]):
        rows[status] = Reminder(kind=kind, channel=channel, patient_id=patient.id, due_at=DUE + timedelta(hours=n),
                                expires_at=DUE + timedelta(days=1), status=status, dedupe_key=f"k-{n}",
                                last_error="provider said 503" if status == "failed" else None, attempts=n)
        session.add(rows[status])
    session.commit()
    assert client.post("/login", data={"email": "admin@example.org", "password": PASSWORD}).status_code == 302
    return rows


def test_outbox_lists_every_status_in_words_and_is_in_the_menu(client, outbox):
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert 'href="/admin/outbox"' in page  # the menu link
    for words in ("Pending 1", "Sent 1", "Failed 1", "Expired (too late to be useful) 1", "All 4"):
        assert words in page
    assert "Lopez, Maria" in page and "Berg, Jon" in page
    assert "Visit tomorrow" in page and "Blood draw" in page and "provider said 503" in page
    assert "(America/New_York)" in page  # the patient's own zone beside the agency's
    assert f"/reminders/{outbox['failed'].id}/retry" in page


def test_outbox_filters_by_status_channel_and_kind_and_survives_nonsense(client, session, outbox):
    failed = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "Berg, Jon" in failed and "Lopez, Maria" not in failed.split("<table")[1]
    by_channel = client.get("/admin/outbox?channel=email&kind=visit_eve").get_data(as_text=True)
    assert by_channel.count('class="reminder reminder-') == 2
    odd = client.get("/admin/outbox?status=<b>&page=-3&kind=x")
    assert odd.status_code == 200 and "is not a reminder status" in odd.get_data(as_text=True)
    first = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "outbox").order_by(AuditEvent.id)).first()
    assert first.details["patient_ids"] == [outbox["failed"].patient_id]  # the patients the filtered page showed


def test_retry_from_the_outbox_comes_back_to_it(client, session, outbox):
    response = client.post(f"/reminders/{outbox['failed'].id}/retry", data={"back": "outbox"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/outbox?status=failed"
