"""A nurse's day as a route on a real database: "optimise this day" proposes a shorter
order of the same visits, and applying it swaps their hours in one transaction (the
database's overlap backstop checks the final rows), with reminders and audit; a stale
one is refused."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from scheduler.clinical import load_catalog
from scheduler.models import AuditEvent, Reminder, Visit
from scheduler.operations.replans import StaleProposal, apply_replan
from scheduler.operations.routes import propose_route, route_day
from scheduler.operations.visits import book_series, reschedule_visit
from tests.factories import make_nurse, make_order, make_patient, make_product, make_user
from tests.replan_support import MONDAY, NOW, local


@pytest.fixture
def zigzag(session):
    """Her Monday goes north at 08:00, south at 11:30, north again at 15:00."""
    coordinator = make_user(session, role="coordinator")
    nurse = make_nurse(session, first_name="Ana", max_visits_per_day=3)
    product, catalog = make_product(session), load_catalog()
    visits = []
    for hour, minute, lat in ((8, 0, 41.95), (11, 30, 41.80), (15, 0, 41.96)):
        patient = make_patient(session, weight_kg=40, lat=lat, lon=-87.65, email_consent_at=NOW)
        order = make_order(session, patient=patient, product=product, days=1, dose_g_per_kg=0.4, earliest_start=MONDAY)
        visits += book_series(session, order.id, nurse.id, local(MONDAY, hour, minute), catalog, actor=coordinator, now=NOW)
    session.commit()
    return coordinator, nurse, visits


def test_the_day_reads_as_a_route_from_home_and_back(session, zigzag):
    _, nurse, visits = zigzag
    day = route_day(session, nurse.id, MONDAY)
    assert [v.id for v in day.visits] == [v.id for v in visits]
    assert len(day.legs) == 4 and day.legs[-1].stop is None
    assert day.total_drive_min == sum(leg.drive_min for leg in day.legs) > 0


def test_optimising_proposes_a_shorter_order_and_applying_swaps_the_hours(session, zigzag):
    coordinator, nurse, visits = zigzag
    before = route_day(session, nurse.id, MONDAY).total_drive_min
    replan = propose_route(session, nurse.id, MONDAY, actor=coordinator, now=NOW)
    session.commit()
    assert replan.kind == "route" and replan.result["solver"]["drive_after_min"] < before
    moved = apply_replan(session, replan.id, None, actor=coordinator, now=NOW)
    session.commit()
    after = route_day(session, nurse.id, MONDAY)
    assert after.total_drive_min == replan.result["solver"]["drive_after_min"] < before
    lengths = {v.id: v.ends_at - v.starts_at for v in visits}
    assert all(v.ends_at - v.starts_at == lengths[v.id] for v in moved)
    assert all(v.nurse_id == nurse.id and v.starts_at.astimezone(local(MONDAY, 0).tzinfo).date() == MONDAY for v in moved)
    assert {v.id for v in moved} == {v.id for v in visits} and replan.status == "applied"
    for visit in moved:
        assert session.scalar(select(Reminder).where(Reminder.visit_id == visit.id, Reminder.status == "pending"))
    actions = session.execute(select(AuditEvent.action).where(AuditEvent.object_type == "visit")).scalars().all()
    assert actions.count("reschedule") == 3


def test_a_day_changed_since_is_refused(session, zigzag):
    coordinator, nurse, visits = zigzag
    replan = propose_route(session, nurse.id, MONDAY, actor=coordinator, now=NOW)
    session.commit()
    reschedule_visit(session, visits[2].id, local(MONDAY + timedelta(days=1), 9), actor=coordinator, now=NOW)
    session.commit()
    with pytest.raises(StaleProposal, match="changed since the proposal"):
        apply_replan(session, replan.id, None, actor=coordinator, now=NOW)
    session.rollback()
    assert session.get(Visit, visits[0].id).starts_at == visits[0].starts_at


def test_a_day_in_the_shortest_order_has_nothing_to_propose(session, zigzag):
    coordinator, nurse, visits = zigzag
    replan = propose_route(session, nurse.id, MONDAY, actor=coordinator, now=NOW)
    apply_replan(session, replan.id, None, actor=coordinator, now=NOW)
    session.commit()
    assert propose_route(session, nurse.id, MONDAY, actor=coordinator, now=NOW) is None
    assert datetime.fromisoformat(replan.result["rows"][0]["to_starts_at"]).tzinfo is not None
