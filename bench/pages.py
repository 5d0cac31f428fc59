"""What the growth benchmark and the history guard test run: every coordinator, nurse and
patient page through the Flask test client, and the booking operations, on a database
filled by bench/populate.py.

Each measurement is a name, who it is for, its target at the large size (ms, from issue 20)
and a function that does it once. The same list serves `bench.growth` (timings),
`bench.plans` (the statements each one runs, explained) and tests/db/test_history_guard.py
(rows read, counted; never timed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from time import perf_counter
from typing import Callable

from sqlalchemy import delete, insert, select

from bench.populate import COORDINATOR_EMAIL, COORDINATOR_PASSWORD, NURSE_EMAIL, PATIENT_EMAIL, PRODUCT, ZONE
from scheduler.clinical import load_catalog
from scheduler.models import Nurse, Patient, Reminder, TherapyOrder, User, Visit

# Targets at size (c), medians on the 2-core machine (issue 20, point 3).
COORDINATOR_PAGE_MS, NURSE_DAY_MS, BOOK_MS, SUGGEST_MS = 150, 30, 50, 300


@dataclass(frozen=True)
class Measurement:
    name: str
    audience: str  # coordinator / nurse / patient / operation
    target_ms: float | None
    # Does it once; returns the seconds to count when only part of it is the measurement
    # (booking: not the untimed undo), else None (the caller times the whole call).
    run: Callable[[], float | None]


def first_weekday_after(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def login(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": COORDINATOR_PASSWORD})
    assert response.status_code in (302, 303), f"login of {email} failed: {response.status_code}"
    return client


def _get(client, path: str) -> Callable[[], None]:
    def run() -> None:
        response = client.get(path)
        assert response.status_code == 200, f"GET {path}: {response.status_code}"
    return run


def bench_order(session, anchor: date) -> int:
    """A new 1 g/kg x 2 days order for patient 0 starting a week ahead, window +-7 days (15 dates)."""
    patient_id = session.scalar(select(Patient.id).order_by(Patient.id).limit(1))
    coordinator_id = session.scalar(select(User.id).where(User.email == COORDINATOR_EMAIL))
    order_id = session.execute(insert(TherapyOrder).returning(TherapyOrder.id), [dict(
        patient_id=patient_id, product_id=PRODUCT, indication="itp", dose_g_per_kg=1.0, days=2,
        earliest_start=anchor + timedelta(days=7), window_days=7, status="active", created_by_id=coordinator_id,
    )]).scalar_one()
    session.commit()
    return order_id


def measurements(app, anchor: date, *, now: datetime) -> list[Measurement]:
    """Log in the three users and build the list. `now` is the instant the operations are
    given (pages read the app's clock: pin it in tests)."""
    from scheduler.operations.feeds import issue_feed
    from scheduler.operations.visits import book_series, cancel_visit, reschedule_visit, suggest_for_order

    sessionmaker, catalog = app.extensions["db_sessionmaker"], load_catalog()
    nurse_date = first_weekday_after(anchor)
    monday = anchor + timedelta(days=7 - anchor.weekday())
    with sessionmaker() as session:
        order_id = bench_order(session, anchor)
        coordinator = session.scalar(select(User).where(User.email == COORDINATOR_EMAIL))
        session.expunge(coordinator)
        nurse_id = session.scalar(select(Nurse.id).join(User, User.id == Nurse.user_id).where(User.email == NURSE_EMAIL))
        patient_id = session.scalar(select(Patient.id).join(User, User.id == Patient.user_id).where(User.email == PATIENT_EMAIL))
        day_start = datetime.combine(nurse_date, time(0), tzinfo=ZONE)
        nurse_visit = session.scalar(select(Visit.id).where(
            Visit.nurse_id == nurse_id, Visit.starts_at >= day_start, Visit.starts_at < day_start + timedelta(days=1)
        ).order_by(Visit.starts_at).limit(1))
        # Calendar links of the nurse and the patient (their feeds are pages their phones read).
        feeds = {}
        for email in (NURSE_EMAIL, PATIENT_EMAIL):
            user = session.scalar(select(User).where(User.email == email))
            feeds[email] = issue_feed(session, user, now=now)[1]
        session.commit()
    staff, nurse, patient = login(app, COORDINATOR_EMAIL), login(app, NURSE_EMAIL), login(app, PATIENT_EMAIL)
    public = app.test_client()

    slots: list = []

    def suggest() -> None:
        with sessionmaker() as session:
            slots[:] = suggest_for_order(session, order_id, catalog, now=now)  # the booking page's 10
            session.rollback()

    booked = {"count": 0}

    def forget(ids: list[int]) -> None:
        """Delete the course booked for a run (and its reminders and notices): the database keeps its size."""
        with sessionmaker() as session:
            session.execute(delete(Reminder).where(Reminder.visit_id.in_(ids)))
            session.execute(delete(Visit).where(Visit.id.in_(ids)))
            session.commit()

    def book() -> float:
        # A different suggested slot each run; the visits (and their reminders) are deleted
        # afterwards, untimed, so the database keeps its size.
        if not slots:
            suggest()
        slot = slots[booked["count"] % len(slots)]
        booked["count"] += 1
        with sessionmaker() as session:
            started = perf_counter()
            visits = book_series(session, order_id, slot.nurse_id, slot.starts_at[0], catalog, actor=coordinator, now=now)
            session.commit()
            elapsed = perf_counter() - started
            ids = [v.id for v in visits]
        forget(ids)
        return elapsed

    def book_untimed(index: int):
        """A course at the index-th suggested slot, committed; (visit ids, the slot)."""
        if not slots:
            suggest()
        slot = slots[index % len(slots)]
        with sessionmaker() as session:
            visits = book_series(session, order_id, slot.nurse_id, slot.starts_at[0], catalog, actor=coordinator, now=now)
            session.commit()
            return [v.id for v in visits], slot

    def reschedule() -> float:
        # The course booked untimed, then moved whole to another suggested slot (timed). The
        # moved visits do not stand in their own way, so any other suggestion is free for them.
        ids, slot = book_untimed(booked["count"])
        other = next((s for s in slots if s is not slot), slot)
        with sessionmaker() as session:
            started = perf_counter()
            reschedule_visit(session, ids[0], other.starts_at[0], nurse_id=other.nurse_id, scope="rest",
                             actor=coordinator, now=now)
            session.commit()
            elapsed = perf_counter() - started
        forget(ids)
        return elapsed

    def cancel() -> float:
        ids, _slot = book_untimed(booked["count"])
        with sessionmaker() as session:
            started = perf_counter()
            cancel_visit(session, ids[0], "Admitted to hospital", scope="rest", actor=coordinator, now=now)
            session.commit()
            elapsed = perf_counter() - started
        forget(ids)
        return elapsed

    page = COORDINATOR_PAGE_MS
    result = [
        Measurement("GET /dashboard/ (today)", "coordinator", page, _get(staff, "/dashboard/")),
        Measurement("GET /calendar/ (next week)", "coordinator", page, _get(staff, f"/calendar/?week={monday.isoformat()}")),
        Measurement("GET /calendar/ (next week, one nurse)", "coordinator", page,
                    _get(staff, f"/calendar/?week={monday.isoformat()}&nurse={nurse_id}")),
        Measurement("GET /orders/ (unbooked orders)", "coordinator", page, _get(staff, "/orders/")),
        Measurement("GET /orders/?state=to_book (orders to book)", "coordinator", page, _get(staff, "/orders/?state=to_book")),
        Measurement("GET /orders/?state=all (every order, newest)", "coordinator", page, _get(staff, "/orders/?state=all")),
        Measurement("GET /orders/<id> (an order)", "coordinator", page, _get(staff, f"/orders/{order_id}")),
        Measurement("GET /orders/<id>/book (booking form)", "coordinator", page, _get(staff, f"/orders/{order_id}/book")),
        Measurement("GET /orders/<id>/book?explain=all (every nurse asked why)", "coordinator", SUGGEST_MS,
                    _get(staff, f"/orders/{order_id}/book?explain=all")),
        Measurement("GET /patients/?q= (search by name)", "coordinator", page, _get(staff, "/patients/?q=Bench00042")),
        Measurement("GET /patients/ (first page)", "coordinator", page, _get(staff, "/patients/")),
        Measurement("GET /patients/<id> (a patient's summary)", "coordinator", page, _get(staff, f"/patients/{patient_id}")),
        Measurement("GET /nurses/ (list)", "coordinator", page, _get(staff, "/nurses/")),
        Measurement("GET /nurses/<id> (hours, time off)", "coordinator", page, _get(staff, f"/nurses/{nurse_id}")),
        Measurement("GET /rounds/ (the nurse's day)", "nurse", NURSE_DAY_MS, _get(nurse, f"/rounds/?date={nurse_date.isoformat()}")),
        Measurement("GET /rounds/visits/<id> (a visit)", "nurse", None, _get(nurse, f"/rounds/visits/{nurse_visit}")),
        Measurement("GET /visits/<id> (a visit)", "coordinator", page, _get(staff, f"/visits/{nurse_visit}")),
        Measurement("GET /nurses/<id>/route (her day as a route)", "coordinator", page,
                    _get(staff, f"/nurses/{nurse_id}/route?date={nurse_date.isoformat()}")),
        Measurement("GET /orders/new?patient= (order form)", "coordinator", page, _get(staff, f"/orders/new?patient={patient_id}")),
        Measurement("GET /orders/<id>/edit (change an order)", "coordinator", page, _get(staff, f"/orders/{order_id}/edit")),
        Measurement("GET /patients/<id>/edit (patient form)", "coordinator", page, _get(staff, f"/patients/{patient_id}/edit")),
        Measurement("GET /absences/new (record an absence)", "coordinator", page, _get(staff, "/absences/new")),
        Measurement("GET /admin/import/ (import page)", "coordinator", page, _get(staff, "/admin/import/")),
        Measurement("GET /rounds/supplies (the day's supplies)", "nurse", NURSE_DAY_MS,
                    _get(nurse, f"/rounds/supplies?date={nurse_date.isoformat()}")),
        Measurement("GET /rounds/visits/<id>/print (visit sheet)", "nurse", None, _get(nurse, f"/rounds/visits/{nurse_visit}/print")),
        Measurement("GET /account/calendar (nurse's calendar link)", "nurse", None, _get(nurse, "/account/calendar")),
        Measurement("GET /feeds/<token>.ics (the nurse's calendar)", "nurse", None, _get(public, f"/feeds/{feeds[NURSE_EMAIL]}.ics")),
        Measurement("GET /portal/ (the patient's page)", "patient", None, _get(patient, "/portal/")),
        Measurement("GET /portal/contact (phone and email)", "patient", None, _get(patient, "/portal/contact")),
        Measurement("GET /feeds/<token>.ics (the patient's calendar)", "patient", None,
                    _get(public, f"/feeds/{feeds[PATIENT_EMAIL]}.ics")),
        Measurement("suggest_for_order, 14-day window", "operation", SUGGEST_MS, suggest),
        Measurement("book_series, 2-day course + commit", "operation", BOOK_MS, book),
        Measurement("reschedule_visit, a course to another slot + commit", "operation", BOOK_MS, reschedule),
        Measurement("cancel_visit, a course + commit", "operation", BOOK_MS, cancel),
    ]
    return result


def operations_now(anchor: date) -> datetime:
    """Eight in the morning local time on the anchor day, as UTC."""
    return datetime.combine(anchor, time(8), tzinfo=ZONE).astimezone(timezone.utc)
