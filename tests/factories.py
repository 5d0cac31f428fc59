"""make_* helpers: build valid rows with keyword defaults; tests override what matters."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta, timezone

from scheduler.models import (
    Nurse,
    Patient,
    PatientWeight,
    Product,
    TherapyOrder,
    User,
    Visit,
    VialSize,
    WorkingHours,
)
from scheduler.operations.accounts import create_user
from scheduler.operations.nurses import NurseValues
from scheduler.operations.patients import PatientValues

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(session, *, role="coordinator", email=None, password=PASSWORD, full_name=None) -> User:
    n = next(_counter)
    return create_user(
        session,
        email=email or f"{role}{n}@example.org",
        full_name=full_name or f"{role.title()} {n}",
        role=role,
        password=password,
    )


def make_nurse(session, *, user=None, first_name="Nora", home_lat=41.88, home_lon=-87.63, **overrides) -> Nurse:
    user = user or make_user(session, role="nurse")
    nurse = Nurse(
        user_id=user.id,
        first_name=first_name,
        last_name=overrides.pop("last_name", "Nurse"),
        phone_e164=overrides.pop("phone_e164", "+12015550123"),
        timezone=overrides.pop("timezone", "America/Chicago"),
        home_address=overrides.pop("home_address", "1 Main St, Chicago, IL"),
        home_lat=home_lat,
        home_lon=home_lon,
        **overrides,
    )
    nurse.working_hours = [WorkingHours(weekday=d, start_time=time(7), end_time=time(19)) for d in range(5)]
    session.add(nurse)
    session.flush()
    return nurse


def make_patient(session, *, weight_kg=70.0, measured_on=None, **overrides) -> Patient:
    values = dict(
        first_name="Pat",
        last_name=f"Patient{next(_counter)}",
        date_of_birth=date(1970, 5, 1),
        sex="female",
        height_cm=165,
        address_line="2 Elm St",
        city="Chicago",
        postal_code="60601",
        lat=41.89,
        lon=-87.62,
        timezone="America/Chicago",
        phone_e164="+12015550123",
        email="pat@example.org",
        preferred_channel="email",
        # A dated IgA result, as booking asks for before a first infusion (issue 14).
        iga_status="normal",
        iga_tested_on=date(2026, 10, 1),
    )
    values.update(overrides)
    patient = Patient(**values)
    patient.weights = [PatientWeight(weight_kg=weight_kg, measured_on=measured_on or date(2026, 11, 1))]
    session.add(patient)
    session.flush()
    return patient


def make_product(session, *, product_id="octagam_10", sizes_g=(2, 5, 10, 20, 30)) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        product = Product(id=product_id, name=product_id)
        product.vial_sizes = [VialSize(size_g=s) for s in sizes_g]
        session.add(product)
        session.flush()
    return product


def make_order(session, *, patient=None, product=None, **overrides) -> TherapyOrder:
    patient = patient or make_patient(session)
    product = product or make_product(session)
    values = dict(indication="itp", dose_g_per_kg=1.0, days=2, earliest_start=date(2026, 11, 23))
    values.update(overrides)
    order = TherapyOrder(patient_id=patient.id, product_id=product.id, **values)
    session.add(order)
    session.flush()
    return order


def make_visit(session, *, order=None, nurse=None, starts_at=None, duration=timedelta(hours=5), **overrides) -> Visit:
    order = order or make_order(session)
    nurse = nurse or make_nurse(session)
    starts_at = starts_at or datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
    values = dict(day_number=1, catalog_version="test", plan={})
    values.update(overrides)
    visit = Visit(
        order_id=order.id,
        patient_id=order.patient_id,
        nurse_id=nurse.id,
        starts_at=starts_at,
        ends_at=starts_at + duration,
        **values,
    )
    session.add(visit)
    session.flush()
    return visit


def make_patient_values(**overrides):
    """Valid PatientValues for the patient operations; override what the test is about."""
    values = dict(
        first_name="Maria", last_name="Lopez", date_of_birth=date(1968, 3, 14), sex="female", height_cm=162.0,
        address_line="2100 N Clark St", city="Chicago", postal_code="60614", lat=41.92, lon=-87.64,
        timezone="America/Chicago", phone="(312) 555-0199", email="maria@example.org", preferred_channel="email",
        email_consent=True, sms_consent=False, quiet_start=time(21), quiet_end=time(8), preferred_start=None,
        preferred_end=None, iga_status="normal", iga_tested_on=date(2026, 10, 1), risk_renal=False, risk_thrombotic=False, risk_cardiac=False,
        allergies="", notes="",
    )
    values.update(overrides)
    return PatientValues(**values)


def make_nurse_values(**overrides):
    """Valid NurseValues: Monday to Friday 08:00-17:00 in Chicago."""
    values = dict(
        first_name="Ana", last_name="Ruiz", phone="(773) 555-0142", timezone="America/Chicago",
        home_address="1 Main St, Chicago, IL", home_lat=41.88, home_lon=-87.63, max_visits_per_day=2,
        hours=tuple((time(8), time(17)) if d < 5 else (None, None) for d in range(7)),
    )
    values.update(overrides)
    return NurseValues(**values)
