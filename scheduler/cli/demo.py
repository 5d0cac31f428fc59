"""Demo data for `flask seed-demo`: a small agency with a realistic week.

Idempotent: users, nurses and patients are found by natural key (email, name and date of
birth) before anything is created, so seeding twice gives the same rows. Visits are placed
in the current week relative to `now`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.clinical import load_catalog, plan_to_dict
from scheduler.models import (
    Agency, LabDraw, Nurse, Patient, PatientWeight, TherapyOrder, User, VialLot, Visit, WorkingHours,
)
from scheduler.operations.accounts import create_user
from scheduler.operations.catalog import sync_products
from scheduler.operations.labs import create_follow_up
from scheduler.operations.plans import plan_for_order
from scheduler.operations.visits import update_day_travel, visit_changed

DEMO_PASSWORD = "demo-infusion-2026"
AGENCY_TZ = "America/Chicago"


@dataclass(frozen=True)
class DemoNurse:
    email: str
    first: str
    last: str
    tz: str
    address: str
    lat: float
    lon: float


@dataclass(frozen=True)
class DemoPatient:
    first: str
    last: str
    born: date
    sex: str
    height_cm: float
    weight_kg: float
    city: str
    address: str
    postal_code: str
    lat: float
    lon: float
    tz: str
    email: str | None
    channel: str
    iga_status: str = "normal"
    risk_renal: bool = False
    risk_thrombotic: bool = False
    risk_cardiac: bool = False
    allergies: str = ""
    login: bool = False


NURSES = [
    DemoNurse("ana.ruiz@demo.example", "Ana", "Ruiz", "America/Chicago", "1200 W Madison St, Chicago, IL", 41.8817, -87.6573),
    DemoNurse("beth.okafor@demo.example", "Beth", "Okafor", "America/Chicago", "700 N Water St, Milwaukee, WI", 43.0389, -87.9101),
    DemoNurse("carl.jensen@demo.example", "Carl", "Jensen", "America/Indiana/Indianapolis", "200 S Michigan St, South Bend, IN", 41.6764, -86.2520),
]

# Weights from a child to an obese adult; two at-risk; one IgA-deficient with antibodies
# (no order: every plannable product carries the IgA contraindication, a hard stop);
# Central and Eastern time; one without email (SMS only).
PATIENTS = [
    DemoPatient("Maria", "Lopez", date(1968, 3, 14), "female", 160, 72, "Chicago", "3400 N Halsted St", "60657", 41.9430, -87.6490, "America/Chicago", "maria.lopez@demo.example", "email", login=True),
    DemoPatient("James", "Carter", date(1955, 7, 2), "male", 178, 96, "Evanston", "1600 Sherman Ave", "60201", 42.0480, -87.6810, "America/Chicago", "j.carter@demo.example", "both", risk_cardiac=True, login=True),
    DemoPatient("Lily", "Nguyen", date(2019, 9, 30), "female", 110, 18, "Oak Park", "200 S Oak Park Ave", "60302", 41.8850, -87.7845, "America/Chicago", "nguyen.family@demo.example", "email", allergies="Peanuts"),
    DemoPatient("Robert", "Kowalski", date(1949, 1, 22), "male", 183, 140, "Milwaukee", "2400 S Kinnickinnic Ave", "53207", 42.9990, -87.8990, "America/Chicago", "rkowalski@demo.example", "email", risk_renal=True, risk_thrombotic=True),
    DemoPatient("Aisha", "Bello", date(1990, 11, 5), "female", 168, 64, "Waukesha", "300 W Main St", "53186", 43.0117, -88.2315, "America/Chicago", "aisha.bello@demo.example", "sms", iga_status="deficient_with_antibodies"),
    DemoPatient("Tom", "Becker", date(1977, 4, 18), "male", 175, 82, "South Bend", "1100 E Jefferson Blvd", "46617", 41.6730, -86.2330, "America/Indiana/Indianapolis", None, "sms"),
    DemoPatient("Grace", "Miller", date(1984, 6, 9), "female", 155, 58, "Mishawaka", "500 Lincoln Way E", "46544", 41.6620, -86.1790, "America/Indiana/Indianapolis", "grace.miller@demo.example", "email"),
    DemoPatient("Omar", "Haddad", date(1962, 12, 1), "male", 170, 88, "Elkhart", "300 S Main St", "46516", 41.6820, -85.9767, "America/Indiana/Indianapolis", "ohaddad@demo.example", "both"),
    DemoPatient("Sofia", "Rossi", date(2001, 2, 27), "female", 172, 61, "Naperville", "400 S Eagle St", "60540", 41.7720, -88.1480, "America/Chicago", "sofia.rossi@demo.example", "email", allergies="Latex"),
    DemoPatient("Henry", "Walsh", date(1971, 8, 16), "male", 188, 118, "Schaumburg", "1500 E Golf Rd", "60173", 42.0480, -88.0450, "America/Chicago", "henry.walsh@demo.example", "email"),
    DemoPatient("Chen", "Wei", date(1995, 5, 3), "male", 174, 70, "Kenosha", "5500 6th Ave", "53140", 42.5847, -87.8212, "America/Chicago", "chen.wei@demo.example", "sms"),
    DemoPatient("Ruth", "Adler", date(1958, 10, 10), "female", 150, 49, "La Porte", "800 Lincolnway", "46350", 41.6106, -86.7225, "America/Chicago", "ruth.adler@demo.example", "email"),
]

# (patient index, product, g/kg per day, days, first infusion, nurse index,
#  first day as an offset from the week's Monday, local start time)
ORDERS = [
    (0, "octagam_10", 1.0, 2, False, 0, 0, time(8, 0)),
    (1, "privigen", 1.0, 2, False, 0, 2, time(8, 0)),
    (2, "gamunex_c", 1.0, 1, True, 0, 4, time(8, 0)),
    (3, "panzyga", 1.0, 2, False, 1, 0, time(8, 0)),
    (10, "gammaplex_5", 1.0, 2, True, 1, 2, time(8, 0)),
    (6, "gamunex_c", 0.4, 5, False, 2, 0, time(8, 0)),
    (5, "flebogamma_10_dif", 1.0, 2, False, 2, 2, time(12, 30)),
    (9, "octagam_10", 1.0, 1, False, 1, 4, time(8, 0)),
]


def seed_demo(session: Session, *, now: datetime, only_if_empty: bool = False) -> list[tuple[str, str]]:
    """Create the demo agency (or leave it as it is) and return the demo logins (role, email)."""
    if only_if_empty and session.scalar(select(func.count()).select_from(User)):
        return _logins(session)
    catalog = load_catalog()
    sync_products(session, catalog)
    if session.scalar(select(Agency.id)) is None:
        session.add(Agency(name="Lakeshore Home Infusion (demo)", timezone=AGENCY_TZ, phone_e164="+13125550100"))
    _user(session, "admin@demo.example", "Alex Admin", "admin")
    _user(session, "coordinator@demo.example", "Casey Coordinator", "coordinator")
    nurses = [_nurse(session, n) for n in NURSES]
    patients = [_patient(session, p, now=now) for p in PATIENTS]
    _lots(session, catalog, today=now.date())
    monday = demo_week_monday(now)
    for patient_ix, product_id, dose, days, first, nurse_ix, offset, local_start in ORDERS:
        order = _order(session, patients[patient_ix], product_id, dose, days, first, monday + timedelta(days=offset))
        _visits(session, catalog, order, patients[patient_ix], nurses[nurse_ix], local_start, now=now)
    for n, patient in enumerate(p for p in patients if p.user_id is not None):
        _portal_courses(session, catalog, patient, nurses[0], now=now, days_ago=2 + n,
                        next_start=monday + timedelta(days=8 + 2 * n))
    session.flush()
    return _logins(session)


# A patient who logs in to the portal sees something whatever the weekday: a course finished
# a few days ago (its platelet draws ahead) and the next course the week after.
PAST_COURSE_PRODUCT, NEXT_COURSE_PRODUCT = "panzyga", "gamunex_c"


def _portal_courses(session: Session, catalog, patient: Patient, nurse: Nurse, *, now: datetime, days_ago: int,
                    next_start: date) -> None:
    if session.scalar(select(LabDraw.id).where(LabDraw.patient_id == patient.id).limit(1)) is not None:
        return
    tz = ZoneInfo(nurse.timezone)
    day = now.astimezone(tz).date() - timedelta(days=days_ago)
    past = _order(session, patient, PAST_COURSE_PRODUCT, 1.0, 1, False, day)
    plan = plan_for_order(catalog, past, patient, on=day)
    # In the evening: the nurse's daytime demo visits of that day are over by then.
    starts_at = datetime.combine(day, time(18, 30), tzinfo=tz)
    visit = Visit(order_id=past.id, patient_id=patient.id, nurse_id=nurse.id, day_number=1, status="completed",
                  starts_at=starts_at, ends_at=starts_at + timedelta(minutes=math.ceil(plan.days[0].visit_min)),
                  catalog_version=catalog.version, plan=plan_to_dict(plan))
    session.add(visit)
    session.flush()
    create_follow_up(session, visit, now=now)
    following = _order(session, patient, NEXT_COURSE_PRODUCT, 1.0, 2, False, next_start)
    _visits(session, catalog, following, patient, nurse, time(9, 0), now=now)


def demo_week_monday(now: datetime) -> date:
    """Monday of this working week, or of the next one on a weekend, so the demo always
    shows visits ahead."""
    today = now.astimezone(ZoneInfo(AGENCY_TZ)).date()
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(days=7) if today.weekday() >= 5 else monday


def _logins(session: Session) -> list[tuple[str, str]]:
    users = session.scalars(select(User).where(User.email.like("%@demo.example")).order_by(User.role, User.email))
    return [(u.role, u.email) for u in users]


def _user(session: Session, email: str, name: str, role: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    return user or create_user(session, email=email, full_name=name, role=role, password=DEMO_PASSWORD)


def _nurse(session: Session, n: DemoNurse) -> Nurse:
    user = _user(session, n.email, f"{n.first} {n.last}", "nurse")
    nurse = session.scalar(select(Nurse).where(Nurse.user_id == user.id))
    if nurse is None:
        nurse = Nurse(user_id=user.id, first_name=n.first, last_name=n.last, phone_e164="+13125550111",
                      timezone=n.tz, home_address=n.address, home_lat=n.lat, home_lon=n.lon, max_visits_per_day=2)
        nurse.working_hours = [WorkingHours(weekday=d, start_time=time(7, 30), end_time=time(17, 30)) for d in range(5)]
        session.add(nurse)
        session.flush()
    return nurse


def _patient(session: Session, p: DemoPatient, *, now: datetime) -> Patient:
    patient = session.scalar(
        select(Patient).where(Patient.first_name == p.first, Patient.last_name == p.last, Patient.date_of_birth == p.born)
    )
    if patient is not None:
        return patient
    user = _user(session, p.email, f"{p.first} {p.last}", "patient") if p.login and p.email else None
    patient = Patient(
        user_id=user.id if user else None, first_name=p.first, last_name=p.last, date_of_birth=p.born, sex=p.sex,
        height_cm=p.height_cm, address_line=p.address, city=p.city, postal_code=p.postal_code, lat=p.lat, lon=p.lon,
        timezone=p.tz, phone_e164="+13125550123", email=p.email, preferred_channel=p.channel,
        iga_status=p.iga_status, iga_tested_on=date(2026, 9, 15), risk_renal=p.risk_renal, risk_thrombotic=p.risk_thrombotic,
        risk_cardiac=p.risk_cardiac, allergies=p.allergies,
        # Demo patients consented to the channel they chose, so `make run` shows reminders flow.
        email_consent_at=now if p.channel in ("email", "both") and p.email else None,
        sms_consent_at=now if p.channel in ("sms", "both") else None,
    )
    # Weighed at the last clinic visit, a fortnight before whatever day the demo is seeded on.
    weighed_on = now.astimezone(ZoneInfo(p.tz)).date() - timedelta(days=14)
    patient.weights = [PatientWeight(weight_kg=p.weight_kg, measured_on=weighed_on)]
    session.add(patient)
    session.flush()
    return patient


def _lots(session: Session, catalog, *, today: date) -> None:
    if session.scalar(select(VialLot.id).limit(1)) is not None:
        return
    for product in catalog.products.values():
        sizes = product.vial_sizes_g.value if product.vial_sizes_g else ()
        for i, size_g in enumerate(sizes):
            session.add(VialLot(product_id=product.product_id, lot_number=f"{product.product_id[:3].upper()}{i:02d}A",
                                size_g=float(size_g), expiry_date=today + timedelta(days=120 + 30 * i), quantity=40))


def _order(session: Session, patient: Patient, product_id: str, dose: float, days: int, first: bool, start: date) -> TherapyOrder:
    order = session.scalar(
        select(TherapyOrder).where(TherapyOrder.patient_id == patient.id, TherapyOrder.product_id == product_id)
    )
    if order is None:
        order = TherapyOrder(patient_id=patient.id, product_id=product_id, indication="itp", dose_g_per_kg=dose,
                             days=days, first_infusion=first, earliest_start=start, window_days=4,
                             premedication="Acetaminophen 650 mg PO and diphenhydramine 25 mg PO 30 min before")
        session.add(order)
        session.flush()
    return order


def _visits(session: Session, catalog, order: TherapyOrder, patient: Patient, nurse: Nurse, local_start: time,
            *, now: datetime) -> None:
    """The course's visits, inserted directly (some fall earlier this week, where booking
    would refuse them), then passed through the same hooks a booking runs: the day's drive
    times and the reminders that are still useful."""
    if session.scalar(select(Visit.id).where(Visit.order_id == order.id).limit(1)) is not None:
        return
    plan = plan_for_order(catalog, order, patient, on=order.earliest_start)
    plan_json = plan_to_dict(plan)
    tz = ZoneInfo(nurse.timezone)
    for day in plan.days:
        visit_date = order.earliest_start + timedelta(days=day.day - 1)
        starts_at = datetime.combine(visit_date, local_start, tzinfo=tz)
        visit = Visit(
            order_id=order.id, patient_id=patient.id, nurse_id=nurse.id, day_number=day.day,
            starts_at=starts_at, ends_at=starts_at + timedelta(minutes=math.ceil(day.visit_min)),
            catalog_version=catalog.version, plan=plan_json,
        )
        session.add(visit)
        session.flush()
        update_day_travel(session, nurse, visit.starts_at)
        visit_changed(session, visit, "booked", now=now)
