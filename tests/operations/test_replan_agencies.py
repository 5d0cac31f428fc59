"""Random small agencies on a real database (SQLite and PostgreSQL): a nurse calls in sick,
the proposal is applied whole through the booking operation, and afterwards no nurse and no
patient has two visits at once and every moved visit is with a nurse at work.

The pure solver has its hypothesis property (tests/unit/booking/test_replan.py); this one
goes through the database, the locks and the overlap backstop, with seeded agencies so a
failure names its seed."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from scheduler.clinical import load_catalog
from scheduler.models import Visit
from scheduler.models.visits import ACTIVE_VISIT_STATUSES
from scheduler.operations.absences import record_absence
from scheduler.operations.replans import apply_replan, propose_for_absence
from scheduler.operations.visits import SchedulingConflict, book_series
from tests.factories import make_nurse, make_order, make_patient, make_product, make_user
from tests.replan_support import MONDAY, NOW, local


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def build_agency(session, catalog, rng: random.Random):
    coordinator = make_user(session, role="coordinator")
    nurses = [make_nurse(session, first_name=f"N{i}", home_lat=41.8 + rng.random() * 0.2,
                         home_lon=-87.75 + rng.random() * 0.2, max_visits_per_day=rng.choice((2, 3)))
              for i in range(rng.randint(2, 4))]
    product = make_product(session)
    for _ in range(rng.randint(3, 8)):
        patient = make_patient(session, weight_kg=rng.choice((40, 55, 70)), lat=41.8 + rng.random() * 0.2,
                               lon=-87.75 + rng.random() * 0.2)
        order = make_order(session, patient=patient, product=product, days=rng.choice((1, 2)),
                           dose_g_per_kg=rng.choice((0.4, 1.0)), earliest_start=MONDAY, window_days=2)
        nurse = nurses[0] if rng.random() < 0.5 else rng.choice(nurses)
        start = local(MONDAY, rng.choice((7, 8, 11, 13)), rng.choice((0, 30)))
        try:
            with session.begin_nested():
                book_series(session, order.id, nurse.id, start, catalog, actor=coordinator, now=NOW)
        except SchedulingConflict:
            pass  # a full day: this order stays unbooked, as in life
    session.commit()
    return coordinator, nurses


def assert_no_overlaps(session):
    visits = session.scalars(select(Visit).where(Visit.status.in_(ACTIVE_VISIT_STATUSES))).all()
    for i, a in enumerate(visits):
        for b in visits[i + 1:]:
            if a.nurse_id == b.nurse_id or a.patient_id == b.patient_id:
                assert not (a.starts_at < b.ends_at and b.starts_at < a.ends_at), f"visits {a.id} and {b.id} overlap"


@pytest.mark.parametrize("seed", range(6))
def test_applying_a_proposal_never_creates_an_overlap(session, catalog, seed):
    rng = random.Random(seed)
    coordinator, nurses = build_agency(session, catalog, rng)
    sick = nurses[0]
    absence = record_absence(session, sick.id, datetime(2026, 11, 23, 0), datetime(2026, 11, 24, 0), "sick", "",
                             actor=coordinator, now=NOW).absence
    session.commit()
    if session.scalars(select(Visit).where(Visit.nurse_id == sick.id)).first() is None:
        pytest.skip(f"seed {seed}: the sick nurse has no visit")
    replan = propose_for_absence(session, absence.id, actor=coordinator, now=NOW)
    session.commit()
    rows = replan.result["rows"]
    if rows:
        apply_replan(session, replan.id, None, actor=coordinator, now=NOW + timedelta(minutes=1))
        session.commit()
    assert_no_overlaps(session)
    for row in rows:
        visit = session.get(Visit, row["visit_id"])
        assert visit.nurse_id == row["to_nurse_id"] != sick.id or visit.starts_at.date() != MONDAY
    # Every visit of hers on the sick day was either moved or is listed with a reason.
    left = session.scalars(select(Visit).where(Visit.nurse_id == sick.id, Visit.status == "booked",
                                               Visit.starts_at < local(MONDAY + timedelta(days=1), 0))).all()
    assert {v.id for v in left} == {u["visit_id"] for u in replan.result["unplaced"]}
