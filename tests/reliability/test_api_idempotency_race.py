"""Two copies of one booking request, sent at the same moment with the same Idempotency-Key
(a client retrying while the first is still running): one course is booked, and both get
the same answer. On PostgreSQL the second waits on the key's unique index; on SQLite on
BEGIN IMMEDIATE."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from scheduler.clock import utcnow
from scheduler.models import Visit
from tests.factories import make_nurse, make_order, make_patient, make_product, make_user
from tests.web.api_support import bearer, make_token

CHICAGO = ZoneInfo("America/Chicago")
CONTENDERS = 4


def next_monday() -> date:
    today = utcnow().astimezone(CHICAGO).date()
    return today + timedelta(days=7 - today.weekday())


def test_simultaneous_retries_with_one_key_book_one_course(app, session):
    token = make_token(session, make_user(session, role="coordinator"))
    nurse = make_nurse(session)
    order = make_order(session, patient=make_patient(session, weight_kg=80), product=make_product(session),
                       earliest_start=next_monday())
    session.commit()
    body = {"order_id": order.id, "nurse_id": nurse.id,
            "start": datetime.combine(next_monday(), time(9), tzinfo=CHICAGO).isoformat()}
    barrier, answers = threading.Barrier(CONTENDERS), [None] * CONTENDERS

    def contender(i: int) -> None:
        client = app.test_client()
        barrier.wait(timeout=30)
        response = client.post("/api/v1/visits", json=body, headers=bearer(token, **{"Idempotency-Key": "same"}))
        answers[i] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(CONTENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * CONTENDERS, answers
    assert all(answer == answers[0] for answer in answers)
    with session.get_bind().connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Visit)) == order.days
