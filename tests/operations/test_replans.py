"""Re-plan operations on a real database (SQLite and PostgreSQL): a sick call's visits are
proposed to the team, applied all at once or some rows at a time through the booking
operation (reminders re-issued, everything audited), and a stale proposal is refused with
nothing applied."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from scheduler.clinical import load_catalog
from scheduler.models import AuditEvent, Reminder, Visit
from scheduler.operations.replans import StaleProposal, apply_replan, propose_for_absence
from scheduler.operations.visits import book_series, reschedule_visit
from tests.factories import make_order, make_patient
from tests.replan_support import CHICAGO, MONDAY, NOW, book_sick_morning, local

@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture
def sick_morning(session, catalog):
    world = book_sick_morning(session, catalog)
    return world.coordinator, (world.ana, world.ben, world.cara), world.visits, world.ana.absences[0]


def monday_visits(visits):
    return [v for v in visits if v.starts_at.astimezone(CHICAGO).date() == MONDAY]


def test_proposal_gives_each_monday_visit_to_a_colleague_the_same_day(session, sick_morning):
    coordinator, (ana, ben, cara), visits, absence = sick_morning
    replan = propose_for_absence(session, absence.id, actor=coordinator, now=NOW)
    session.commit()
    rows = replan.result["rows"]
    assert {r["visit_id"] for r in rows} == {v.id for v in monday_visits(visits)}
    assert replan.result["unplaced"] == []
    for row in rows:
        assert row["to_nurse_id"] in (ben.id, cara.id) and not row["moved_day"]
    assert replan.result["solver"]["status"] == "optimal"


def test_applying_all_rows_moves_them_through_the_booking_operation(session, sick_morning):
    coordinator, (ana, ben, cara), visits, absence = sick_morning
    replan = propose_for_absence(session, absence.id, actor=coordinator, now=NOW)
    session.commit()
    moved = apply_replan(session, replan.id, None, actor=coordinator, now=NOW + timedelta(minutes=2))
    session.commit()
    assert {v.nurse_id for v in moved} <= {ben.id, cara.id} and len(moved) == 2
    assert replan.status == "applied" and all(r["applied"] for r in replan.result["rows"])
    for visit in moved:
        row = next(r for r in replan.result["rows"] if r["visit_id"] == visit.id)
        assert visit.starts_at == datetime.fromisoformat(row["to_starts_at"]) and visit.version == row["version"] + 1
        # The patient's reminder is planned again for the visit as it now stands.
        assert session.scalar(select(Reminder).where(Reminder.visit_id == visit.id, Reminder.status == "pending"))
    actions = session.execute(select(AuditEvent.object_type, AuditEvent.action)).all()
    assert actions.count(("visit", "reschedule")) == 2 and ("replan", "apply") in actions


def test_partial_apply_moves_only_the_chosen_rows_and_the_rest_later(session, sick_morning):
    coordinator, nurses, visits, absence = sick_morning
    replan = propose_for_absence(session, absence.id, actor=coordinator, now=NOW)
    session.commit()
    first, second = [r["visit_id"] for r in replan.result["rows"]]
    apply_replan(session, replan.id, [first], actor=coordinator, now=NOW)
    session.commit()
    assert session.get(Visit, second).nurse_id == nurses[0].id and replan.status == "proposed"
    apply_replan(session, replan.id, [second], actor=coordinator, now=NOW)
    session.commit()
    assert replan.status == "applied"
    with pytest.raises(StaleProposal, match="already applied"):
        apply_replan(session, replan.id, None, actor=coordinator, now=NOW)


def test_a_visit_moved_by_hand_since_makes_the_proposal_stale_and_nothing_is_applied(session, sick_morning):
    coordinator, (ana, ben, cara), visits, absence = sick_morning
    replan = propose_for_absence(session, absence.id, actor=coordinator, now=NOW)
    session.commit()
    row = replan.result["rows"][-1]
    reschedule_visit(session, row["visit_id"], local(MONDAY + timedelta(days=2), 9), nurse_id=ben.id,
                     actor=coordinator, now=NOW)
    session.commit()
    with pytest.raises(StaleProposal, match=f"Visit #{row['visit_id']} changed since the proposal"):
        apply_replan(session, replan.id, None, actor=coordinator, now=NOW)
    session.rollback()
    untouched = [r["visit_id"] for r in replan.result["rows"] if r["visit_id"] != row["visit_id"]]
    assert all(session.get(Visit, vid).nurse_id == ana.id for vid in untouched)


def test_a_booking_into_the_proposed_place_makes_the_proposal_stale(session, sick_morning, catalog):
    coordinator, nurses, visits, absence = sick_morning
    replan = propose_for_absence(session, absence.id, actor=coordinator, now=NOW)
    session.commit()
    row = min(replan.result["rows"], key=lambda r: r["to_starts_at"])
    patient = make_patient(session, weight_kg=50, lat=41.9, lon=-87.64)
    order = make_order(session, patient=patient, days=1, earliest_start=MONDAY)
    book_series(session, order.id, row["to_nurse_id"], datetime.fromisoformat(row["to_starts_at"]), catalog,
                actor=coordinator, now=NOW)
    session.commit()
    with pytest.raises(StaleProposal, match="schedule changed since the proposal"):
        apply_replan(session, replan.id, None, actor=coordinator, now=NOW)
    session.rollback()
    assert all(session.get(Visit, r["visit_id"]).nurse_id == nurses[0].id for r in replan.result["rows"])
