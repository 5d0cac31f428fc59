"""Live re-checks: a patient change after booking marks the visits whose plan no longer holds;
start is refused until the coordinator re-plans, in one action that keeps the booking if it fits."""

from datetime import date, datetime, time, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from scheduler.clinical import load_catalog
from scheduler.models import AuditEvent
from scheduler.operations import DomainError
from scheduler.operations import documentation as docs
from scheduler.operations.patients import add_weight, update_patient
from scheduler.operations.replan import replan_visit, visits_needing_replan
from scheduler.operations.visits import book_series
from tests.factories import make_nurse, make_order, make_patient, make_patient_values, make_product, make_user

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
MONDAY = date(2026, 11, 23)
CATALOG = load_catalog()


@pytest.fixture
def booked(session):
    """A 60 kg patient (not at risk) with Octagam 10 % 1 g/kg x 2 days booked Monday 08:00."""
    coordinator, nurse_user = make_user(session), make_user(session, role="nurse")
    nurse = make_nurse(session, user=nurse_user)
    patient = make_patient(session, weight_kg=60, first_name="Maria", last_name="Lopez", date_of_birth=date(1968, 3, 14),
                           height_cm=162, address_line="2100 N Clark St", postal_code="60614", lat=41.92, lon=-87.64,
                           phone_e164="+13125550199", email="maria@example.org", email_consent_at=NOW)
    order = make_order(session, patient=patient, product=make_product(session), earliest_start=MONDAY)
    visits = book_series(session, order.id, nurse.id, datetime.combine(MONDAY, time(8), tzinfo=CHICAGO), CATALOG,
                         actor=coordinator, now=NOW)
    session.commit()
    return coordinator, nurse_user, patient, visits


def values_of(patient, **changes):
    return make_patient_values(**{**dict(
        first_name=patient.first_name, last_name=patient.last_name, date_of_birth=patient.date_of_birth,
        sex=patient.sex, height_cm=patient.height_cm, address_line=patient.address_line, city=patient.city,
        postal_code=patient.postal_code, lat=patient.lat, lon=patient.lon, phone="(312) 555-0199",
        email=patient.email, iga_status=patient.iga_status, iga_tested_on=patient.iga_tested_on), **changes})


def test_a_new_risk_flag_marks_every_booked_visit_and_start_is_refused(session, booked):
    coordinator, nurse_user, patient, visits = booked
    update_patient(session, patient.id, values_of(patient, risk_cardiac=True), actor=coordinator, now=NOW,
                   catalog=CATALOG)
    for visit in visits:
        assert "rate cap is now 3.3 mg/kg/min (at-risk maximum (label))" in visit.needs_replan_reason
    assert [v.id for v in visits_needing_replan(session, now=NOW)] == [v.id for v in visits]
    assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "needs_replan")) is not None
    with pytest.raises(docs.DocumentationError, match="Do not start: this visit needs re-planning"):
        docs.start_infusion(session, visits[0].id, visits[0].starts_at, actor=nurse_user, now=visits[0].starts_at)


def test_iga_deficiency_with_antibodies_after_booking_cannot_be_replanned_with_the_same_product(session, booked):
    coordinator, _, patient, visits = booked
    update_patient(session, patient.id, values_of(patient, iga_status="deficient_with_antibodies"), actor=coordinator,
                   now=NOW, catalog=CATALOG)
    assert visits[0].needs_replan_reason.startswith("The plan is now refused: Octagam 10% has no confirmed IgA")
    with pytest.raises(DomainError, match="Cannot re-plan"):
        replan_visit(session, visits[0].id, CATALOG, actor=coordinator, now=NOW)


def test_a_change_that_leaves_the_plan_valid_marks_nothing(session, booked):
    coordinator, _, patient, visits = booked
    update_patient(session, patient.id, values_of(patient, notes="prefers mornings", city="Evanston"),
                   actor=coordinator, now=NOW, catalog=CATALOG)
    add_weight(session, patient.id, 61.5, date(2026, 11, 19), actor=coordinator, now=NOW, catalog=CATALOG)  # +2.5 %
    assert [v.needs_replan_reason for v in visits] == ["", ""]


def test_a_weight_change_beyond_the_set_percentage_marks_the_visits(session, booked):
    coordinator, _, patient, visits = booked
    add_weight(session, patient.id, 69, date(2026, 11, 19), actor=coordinator, now=NOW, catalog=CATALOG)  # +15 %
    assert "dosing weight is now 69 kg, the plan used 60 kg (15 % change" in visits[0].needs_replan_reason


def test_allergies_change_asks_for_a_check_against_the_product(session, booked):
    coordinator, _, patient, visits = booked
    update_patient(session, patient.id, values_of(patient, allergies="corn"), actor=coordinator, now=NOW,
                   catalog=CATALOG)
    assert "allergies changed (now: corn); check them against Octagam 10%" in visits[0].needs_replan_reason


def test_replan_is_one_action_that_keeps_the_booking_when_it_fits(session, booked):
    coordinator, nurse_user, patient, visits = booked
    starts = [v.starts_at for v in visits]
    # At the at-risk cap the visit lasts 6.6 h: the coordinator accepted the long day.
    visits[0].order.long_session_reason = "at-risk cap: one long visit rather than three days"
    update_patient(session, patient.id, values_of(patient, risk_renal=True), actor=coordinator, now=NOW,
                   catalog=CATALOG)
    replanned = replan_visit(session, visits[1].id, CATALOG, actor=coordinator, now=NOW)
    assert [v.id for v in replanned] == [v.id for v in visits]
    for visit, start in zip(visits, starts):
        assert visit.needs_replan_reason == "" and visit.starts_at == start
        assert Decimal(str(visit.plan["cap"]["rate_mg_per_kg_min"])) == Decimal("3.3")
        assert (visit.ends_at - visit.starts_at).total_seconds() / 60 >= visit.plan["days"][visit.day_number - 1]["visit_min"]
    assert docs.start_infusion(session, visits[0].id, visits[0].starts_at, actor=nurse_user, now=visits[0].starts_at)


def test_replan_says_what_must_move_when_the_longer_visit_does_not_fit(session, booked):
    coordinator, _, patient, visits = booked
    nurse = visits[0].nurse
    # The nurse's day ends at 14:00: no room for the 6.6-h at-risk visit from 08:00.
    visits[0].order.long_session_reason = "at-risk cap: one long visit rather than three days"
    for hours in nurse.working_hours:
        hours.end_time = time(14)
    session.flush()
    update_patient(session, patient.id, values_of(patient, risk_renal=True), actor=coordinator, now=NOW,
                   catalog=CATALOG)
    with pytest.raises(DomainError, match=r"Day 1 now needs \d+\.\d h and no longer fits at Mon 23 Nov 08:00"):
        replan_visit(session, visits[0].id, CATALOG, actor=coordinator, now=NOW)


def test_a_flag_set_without_the_recheck_is_still_caught_at_start(session, booked):
    _, nurse_user, patient, visits = booked
    patient.risk_thrombotic = True  # e.g. an import that bypassed the operation
    session.flush()
    with pytest.raises(docs.DocumentationError, match="risk flag that this plan's rate cap does not account for"):
        docs.start_infusion(session, visits[0].id, visits[0].starts_at, actor=nurse_user, now=visits[0].starts_at)


def test_iga_reset_to_unknown_after_booking_marks_the_visits(session, booked):
    coordinator, _, patient, visits = booked
    update_patient(session, patient.id, values_of(patient, iga_status="unknown", iga_tested_on=None),
                   actor=coordinator, now=NOW, catalog=CATALOG)
    assert visits[0].needs_replan_reason.startswith("No dated IgA result is recorded any more")


def test_the_nurse_card_shows_needs_replan_and_the_recorded_reasons(session, booked):
    from scheduler.operations.rounds import visit_flags

    coordinator, _, patient, visits = booked
    visits[0].order.long_session_reason = "one long visit, patient's wish"
    visits[0].order.prescriber_override_reason = "Dr Kim: off-label course"
    update_patient(session, patient.id, values_of(patient, risk_cardiac=True), actor=coordinator, now=NOW,
                   catalog=CATALOG)
    flags = visit_flags(visits[0])
    assert flags[0].startswith("NEEDS RE-PLAN, do not start: The rate cap is now 3.3 mg/kg/min")
    assert "Long visit booked on purpose: one long visit, patient's wish" in flags
    assert "Outside the label, prescriber's override: Dr Kim: off-label course" in flags
