"""Patient operations: what they refuse and say, what they store, what they audit; a new
weight never rewrites a plan already booked."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from scheduler.clinical import load_catalog
from scheduler.models import AuditEvent, Patient
from scheduler.operations import AccessDenied
from scheduler.operations.checks import InvalidValues
from scheduler.operations.patients import (
    DuplicateWeight,
    add_weight,
    create_patient,
    search_patients,
    update_patient,
)
from scheduler.operations.plans import weight_on
from scheduler.operations.visits import book_series
from tests.factories import (
    make_nurse,
    make_order,
    make_patient,
    make_patient_values,
    make_product,
    make_user,
    make_visit,
)

NOW = datetime(2026, 11, 20, 15, tzinfo=timezone.utc)


@pytest.fixture
def coordinator(session):
    return make_user(session, role="coordinator")


def create(session, actor, **overrides):
    return create_patient(session, make_patient_values(**overrides), weight_kg=70.0, measured_on=date(2026, 11, 1),
                          actor=actor, now=NOW)


def refused(session, actor, **overrides) -> dict[str, str]:
    with pytest.raises(InvalidValues) as excinfo:
        create(session, actor, **overrides)
    return excinfo.value.errors


def test_created_patient_has_e164_phone_consent_time_first_weight_and_an_audit_row(session, coordinator):
    patient = create(session, coordinator)
    session.commit()
    assert patient.phone_e164 == "+13125550199"
    assert patient.email_consent_at == NOW and patient.sms_consent_at is None
    assert [(w.weight_kg, w.measured_on) for w in patient.weights] == [(70.0, date(2026, 11, 1))]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "create")).one()
    assert (event.object_type, event.patient_id, event.actor_user_id) == ("patient", patient.id, coordinator.id)


@pytest.mark.parametrize("overrides, field", [
    ({"phone": "12"}, "phone"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"timezone": "localtime"}, "timezone"),
    ({"height_cm": 39.9}, "height_cm"),
    ({"height_cm": float("nan")}, "height_cm"),
    ({"lat": 100.0}, "lat"),
    ({"lon": -180.5}, "lon"),
    ({"first_name": "  "}, "first_name"),
    ({"last_name": "x" * 101}, "last_name"),
    ({"city": "Chi\x00cago"}, "city"),
    ({"date_of_birth": date(2027, 1, 1)}, "date_of_birth"),
    ({"sex": "robot"}, "sex"),
    ({"email": "not-an-address"}, "email"),
    ({"quiet_end": time(21)}, "quiet_end"),
    ({"preferred_start": time(10), "preferred_end": time(9)}, "preferred_end"),
    ({"preferred_start": time(10)}, "preferred_end"),
])
def test_bad_values_are_refused_beside_their_field(session, coordinator, overrides, field):
    assert field in refused(session, coordinator, **overrides)


def test_a_channel_needs_its_contact_and_its_consent(session, coordinator):
    assert "consent" in refused(session, coordinator, preferred_channel="email", email_consent=False)["preferred_channel"]
    assert "email address" in refused(session, coordinator, preferred_channel="email", email="",
                                      email_consent=False)["preferred_channel"]
    assert "phone number" in refused(session, coordinator, preferred_channel="sms", phone="")["preferred_channel"]
    assert "consent" in refused(session, coordinator, preferred_channel="both", sms_consent=False)["preferred_channel"]
    assert "sms_consent" in refused(session, coordinator, phone="", sms_consent=True, preferred_channel="none")


def test_many_problems_are_reported_together(session, coordinator):
    errors = refused(session, coordinator, phone="12", lat=100.0, height_cm=400.0)
    assert {"phone", "lat", "height_cm"} <= set(errors)


def test_consent_keeps_its_first_moment_and_is_cleared_when_withdrawn(session, coordinator):
    patient = create(session, coordinator)
    later = NOW + timedelta(days=3)
    update_patient(session, patient.id, make_patient_values(sms_consent=True), actor=coordinator, now=later)
    assert (patient.email_consent_at, patient.sms_consent_at) == (NOW, later)
    update_patient(session, patient.id, make_patient_values(preferred_channel="none", email_consent=False),
                   actor=coordinator, now=later)
    assert patient.email_consent_at is None and patient.sms_consent_at is None


def test_update_audits_the_names_of_changed_fields_and_never_their_values(session, coordinator):
    patient = create(session, coordinator)
    update_patient(session, patient.id, make_patient_values(city="Evanston", allergies="Latex"), actor=coordinator,
                   now=NOW)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "update")).one()
    assert event.details == {"fields": ["allergies", "city"]}
    assert "Latex" not in str(event.details)


def test_only_staff_change_patients(session):
    nurse_user = make_user(session, role="nurse")
    patient = make_patient(session)
    with pytest.raises(AccessDenied):
        update_patient(session, patient.id, make_patient_values(), actor=nurse_user, now=NOW)
    with pytest.raises(AccessDenied):
        add_weight(session, patient.id, 70.0, date(2026, 11, 2), actor=nurse_user, now=NOW)


def test_weight_is_unique_per_date_with_a_clear_message(session, coordinator):
    patient = make_patient(session, weight_kg=70, measured_on=date(2026, 11, 1))
    with pytest.raises(DuplicateWeight, match="70 kg is already recorded for 2026-11-01"):
        add_weight(session, patient.id, 72.0, date(2026, 11, 1), actor=coordinator, now=NOW)


@pytest.mark.parametrize("weight_kg, measured_on, field", [
    (0.0, date(2026, 11, 2), "weight_kg"),
    (400.0, date(2026, 11, 2), "weight_kg"),
    (None, date(2026, 11, 2), "weight_kg"),
    (70.0, date(2026, 11, 21), "measured_on"),  # tomorrow in Chicago
    (70.0, date(1960, 1, 1), "measured_on"),  # before birth
])
def test_impossible_weights_are_refused(session, coordinator, weight_kg, measured_on, field):
    patient = make_patient(session)
    with pytest.raises(InvalidValues) as excinfo:
        add_weight(session, patient.id, weight_kg, measured_on, actor=coordinator, now=NOW)
    assert field in excinfo.value.errors


def test_a_new_weight_leaves_booked_visits_with_their_stored_plan(session, coordinator):
    catalog = load_catalog()
    patient = make_patient(session, weight_kg=80, measured_on=date(2026, 11, 1), height_cm=175, sex="male")
    order = make_order(session, patient=patient, product=make_product(session), days=2,
                       earliest_start=date(2026, 11, 23))
    nurse = make_nurse(session)
    start = datetime(2026, 11, 23, 8, tzinfo=ZoneInfo("America/Chicago"))
    visits = book_series(session, order.id, nurse.id, start, catalog, actor=coordinator, now=NOW)
    session.commit()

    add_weight(session, patient.id, 60.0, date(2026, 11, 20), actor=coordinator, now=NOW)
    session.commit()
    session.expire_all()

    assert [v.plan["weight_kg"] for v in visits] == [80, 80]
    assert weight_on(session.get(Patient, patient.id), date(2026, 11, 23)) == 60.0  # plans made from now on


def test_search_filters_by_words_of_name_or_city_and_by_birth_date(session, coordinator):
    make_patient(session, first_name="Maria", last_name="Lopez", city="Chicago", date_of_birth=date(1968, 3, 14))
    make_patient(session, first_name="Mario", last_name="Rossi", city="Evanston", date_of_birth=date(1950, 1, 2))

    def names(text):
        return [p.last_name for p in search_patients(session, coordinator, text=text, now=NOW).patients]

    assert names("mari") == ["Lopez", "Rossi"]
    assert names("mari evanston") == ["Rossi"]
    assert names("1968-03-14") == ["Lopez"] == names("03/14/1968")
    assert names("100%_") == []


def test_search_pages_in_sql_and_clamps_the_page(session, coordinator):
    for n in range(7):
        make_patient(session, last_name=f"Page{n}")
    result = search_patients(session, coordinator, text="page", page=2, per_page=3, now=NOW)
    assert (result.total, result.pages, [p.last_name for p in result.patients]) == (7, 3, ["Page3", "Page4", "Page5"])
    assert search_patients(session, coordinator, text="page", page=99, per_page=3, now=NOW).page == 3


def test_search_lists_only_patients_in_the_actors_scope_and_is_audited(session):
    nurse = make_nurse(session)
    mine = make_visit(session, nurse=nurse, starts_at=NOW + timedelta(days=1)).patient_id
    make_patient(session)
    result = search_patients(session, nurse.user, now=NOW)
    assert [p.id for p in result.patients] == [mine]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "list")).one()
    assert event.details["patient_ids"] == [mine]
