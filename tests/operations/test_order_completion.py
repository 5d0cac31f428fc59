"""A course whose last visit is completed completes its order, so the active orders (the
coordinator's to-do lists) are the current ones, not the agency's whole history."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from scheduler.operations import documentation as docs
from scheduler.operations.orders import unbooked_orders
from tests.factories import make_visit
from tests.operations.test_documentation import run_the_ramp
from tests.rounds_support import make_planned_visit, nurse_login

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


def at(minutes):
    return T0 + timedelta(minutes=minutes)


def document_and_complete(session, user, visit):
    docs.start_infusion(session, visit.id, at(0), actor=user, now=at(1))
    run_the_ramp(session, user, visit)  # what a complete record holds: step-ups, vital signs, lots
    docs.end_infusion(session, visit.id, at(340), Decimal(800), actor=user, now=at(341))
    docs.observation_done(session, visit.id, at(370), actor=user, now=at(371))
    docs.sign_record(session, visit.id, actor=user, now=at(372))
    docs.complete_visit(session, visit.id, actor=user, now=at(373))


def test_completing_the_last_visit_of_the_course_completes_the_order(session):
    user, nurse = nurse_login(session)
    visit = make_planned_visit(session, starts_at=at(-30), nurse=nurse)
    document_and_complete(session, user, visit)
    assert visit.order.status == "completed"
    assert unbooked_orders(session) == []


def test_an_order_with_a_day_still_booked_stays_active(session):
    user, nurse = nurse_login(session)
    visit = make_planned_visit(session, starts_at=at(-30), nurse=nurse)
    make_visit(session, order=visit.order, nurse=nurse, starts_at=at(60 * 24), day_number=2)
    document_and_complete(session, user, visit)
    assert visit.order.status == "active"
