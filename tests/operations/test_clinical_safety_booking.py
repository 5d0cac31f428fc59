"""Booking waits for what a clinician must record first: a dated IgA result (or an
acknowledgement), a prescriber's override outside the label, a reason for a too-long day."""

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from scheduler.clinical import ClinicalRuleViolation, load_catalog
from scheduler.models import AuditEvent, Visit
from scheduler.operations.orders import OrderInput, create_order
from scheduler.operations.safety import NeedsClinicalRecord, record_order_reasons
from scheduler.operations.visits import book_series
from tests.factories import make_nurse, make_order, make_patient, make_product, make_user

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
MONDAY = date(2026, 11, 23)
START = datetime.combine(MONDAY, time(8), tzinfo=CHICAGO)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_unknown_iga_blocks_booking_until_a_clinician_acknowledges(session, catalog):
    coordinator, nurse = make_user(session), make_nurse(session)
    patient = make_patient(session, iga_status="unknown", iga_tested_on=None)
    order = make_order(session, patient=patient, product=make_product(session))
    session.commit()
    with pytest.raises(NeedsClinicalRecord, match="no IgA result is recorded"):
        book_series(session, order.id, nurse.id, START, catalog, actor=coordinator, now=NOW)
    session.rollback()
    record_order_reasons(session, order, {"iga_ack_reason": "Dr Kim: IgA pending, first dose in hospital before"},
                         actor=coordinator, now=NOW)
    assert order.iga_ack_by_id == coordinator.id and order.iga_ack_at == NOW
    visits = book_series(session, order.id, nurse.id, START, catalog, actor=coordinator, now=NOW)
    session.commit()
    assert len(visits) == 2
    assert session.query(AuditEvent).filter_by(action="record_reasons", object_id=str(order.id)).count() == 1


def test_iga_status_without_a_test_date_is_not_a_recorded_result(session, catalog):
    coordinator, nurse = make_user(session), make_nurse(session)
    patient = make_patient(session, iga_status="normal", iga_tested_on=None)
    order = make_order(session, patient=patient, product=make_product(session))
    with pytest.raises(NeedsClinicalRecord, match="has no test date"):
        book_series(session, order.id, nurse.id, START, catalog, actor=coordinator, now=NOW)


def test_dated_iga_result_books(session, catalog):
    coordinator, nurse = make_user(session), make_nurse(session)
    order = make_order(session, patient=make_patient(session), product=make_product(session))
    assert book_series(session, order.id, nurse.id, START, catalog, actor=coordinator, now=NOW)


def test_long_day_needs_a_split_or_a_recorded_reason(session, catalog):
    # Gammaplex 5 % (50 mg/mL, at most 4 mg/kg/min) at 130 kg, 1 g/kg: a visit of 5.7 h fits;
    # an at-risk patient (cap 3.3) makes it longer than 6 h.
    coordinator, nurse = make_user(session), make_nurse(session)
    patient = make_patient(session, weight_kg=130, risk_cardiac=True)
    order = make_order(session, patient=patient, product=make_product(session, product_id="gammaplex_5",
                                                                       sizes_g=(2.5, 5, 10, 20)))
    session.commit()
    with pytest.raises(NeedsClinicalRecord, match=r"over the 6-h session limit. Split .* a prescriber must confirm"):
        book_series(session, order.id, nurse.id, START, catalog, actor=coordinator, now=NOW)
    session.rollback()
    record_order_reasons(session, order, {"long_session_reason": "Patient prefers one long visit; nurse agreed"},
                         actor=coordinator, now=NOW)
    nurse.working_hours[0].end_time = time(20)
    [day1, _] = book_series(session, order.id, nurse.id, START, catalog, actor=coordinator, now=NOW)
    assert (day1.ends_at - day1.starts_at).total_seconds() > 6 * 3600


def order_values(patient, **overrides) -> OrderInput:
    values = dict(patient_id=patient.id, product_id="privigen", indication="itp", dose_g_per_kg=1.0, days=2,
                  weight_policy="actual", rounding_g=None, premedication="", first_infusion=False,
                  product_switch=False, earliest_start=MONDAY, window_days=4, prescriber="Dr Kim")
    values.update(overrides)
    return OrderInput(**values)


def test_child_on_privigen_itp_order_is_saved_only_with_a_prescriber_override(session, catalog):
    coordinator = make_user(session)
    make_product(session, product_id="privigen", sizes_g=(5, 10, 20, 40))
    child = make_patient(session, weight_kg=20, date_of_birth=date(2020, 6, 1))
    with pytest.raises(ClinicalRuleViolation) as refused:
        create_order(session, order_values(child), catalog, actor=coordinator, now=NOW)
    assert refused.value.code == "prescriber_override_required" and "15 years and older" in refused.value.message
    order = create_order(session, order_values(child, prescriber_override_reason="Dr Kim: no alternative product"),
                         catalog, actor=coordinator, now=NOW)
    assert order.prescriber_override_reason == "Dr Kim: no alternative product"
    assert session.get(Visit, 1) is None


def test_iga_test_date_needs_a_result_and_cannot_be_in_the_future(session):
    from scheduler.operations.checks import InvalidValues
    from scheduler.operations.patients import create_patient
    from tests.factories import make_patient_values

    coordinator = make_user(session)
    for values, message in [
        (make_patient_values(iga_status="unknown", iga_tested_on=date(2026, 10, 1)), "choose the IgA status too"),
        (make_patient_values(iga_status="normal", iga_tested_on=date(2026, 12, 1)), "in the future"),
    ]:
        with pytest.raises(InvalidValues) as refused:
            create_patient(session, values, weight_kg=70, measured_on=date(2026, 11, 1), actor=coordinator, now=NOW)
        assert message in refused.value.errors["iga_tested_on"]
    patient = create_patient(session, make_patient_values(iga_status="deficient", iga_tested_on=date(2026, 9, 1)),
                             weight_kg=70, measured_on=date(2026, 11, 1), actor=coordinator, now=NOW)
    assert patient.iga_tested_on == date(2026, 9, 1)
