"""A sick morning for the re-plan tests: Ana has two patients on Monday 23 November 2026
(one on day 1 of a two-day course), Ben and Cara are free, and Ana calls in sick for Monday."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from scheduler.operations.absences import record_absence
from scheduler.operations.visits import book_series
from tests.factories import make_nurse, make_order, make_patient, make_product, make_user

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)  # the Friday before
MONDAY = date(2026, 11, 23)


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=CHICAGO)


@dataclass
class SickMorning:
    coordinator: object
    ana: object
    ben: object
    cara: object
    visits: list
    patients: list


def book_sick_morning(session, catalog, *, coordinator=None, record=True) -> SickMorning:
    coordinator = coordinator or make_user(session, role="coordinator")
    ana = make_nurse(session, first_name="Ana", last_name="Ruiz", home_lat=41.88, home_lon=-87.63)
    ben = make_nurse(session, first_name="Ben", last_name="Okafor", home_lat=41.95, home_lon=-87.65)
    cara = make_nurse(session, first_name="Cara", last_name="Lind", home_lat=41.80, home_lon=-87.60)
    product = make_product(session)
    visits, patients = [], []
    for weight_kg, days, hour, lat, name in ((60, 2, 7, 41.94, "Lopez"), (50, 1, 13, 41.81, "Novak")):
        patient = make_patient(session, weight_kg=weight_kg, lat=lat, lon=-87.64, last_name=name,
                               email=f"{name.lower()}@example.org", email_consent_at=NOW)
        order = make_order(session, patient=patient, product=product, days=days, earliest_start=MONDAY, window_days=2)
        visits += book_series(session, order.id, ana.id, local(MONDAY, hour), catalog, actor=coordinator, now=NOW)
        patients.append(patient)
    if record:
        record_absence(session, ana.id, datetime(2026, 11, 23, 0), datetime(2026, 11, 24, 0), "sick", "flu",
                       actor=coordinator, now=NOW)
    session.commit()
    return SickMorning(coordinator, ana, ben, cara, visits, patients)
