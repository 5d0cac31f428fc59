"""The nurse's pages through the test client: day view, visit view, each documentation form
and its refusals, the print sheet, and who may see what."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from scheduler.clock import utcnow
from scheduler.models import InfusionRecord, RateChange, VialLot, VitalSigns
from tests.factories import PASSWORD, make_user
from tests.rounds_support import make_lot, make_planned_visit, nurse_login
from tests.web.pages import error_beside, logged_in_client

CHICAGO = ZoneInfo("America/Chicago")


def local(moment) -> str:
    return moment.astimezone(CHICAGO).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def nurse_visit(app, session):
    user, nurse = nurse_login(session)
    now = utcnow().replace(second=0, microsecond=0)
    visit = make_planned_visit(session, starts_at=now - timedelta(minutes=40), nurse=nurse, allergies="Latex",
                               last_name="Rampling")
    lot = make_lot(session, lot_number="OCT-EARLY", size_g=30, quantity=5)
    make_lot(session, lot_number="OCT-LATE", size_g=30, quantity=5, expiry_date=lot.expiry_date + timedelta(days=100))
    make_lot(session, lot_number="OCT-20", size_g=20, quantity=5)
    session.commit()
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client, visit, now


def post(client, visit, step, **data):
    """Post one documentation form; its fields carry the step as prefix ("rate-at")."""
    return client.post(f"/rounds/visits/{visit.id}/{step}", data={f"{step}-{k}": v for k, v in data.items()})


def test_nurse_lands_on_her_day_with_flags_premedication_map_and_fefo_lots(nurse_visit):
    client, visit, now = nurse_visit
    landing = client.get("/")
    assert landing.status_code == 302 and landing.headers["Location"].startswith("/rounds/")
    page = client.get("/rounds/").get_data(as_text=True)
    assert "Rampling" in page and "My day" in page
    assert "At-risk cap" in page and "Allergies: Latex" in page and "maltose" in page
    assert "Paracetamol 1 g PO" in page
    assert "https://www.openstreetmap.org/?mlat=" in page
    # 80 g = 2 x 30 g + 1 x 20 g; the 30 g vials from the lot that expires first.
    assert "2 x 30 g, lot <strong>OCT-EARLY</strong>" in page and "OCT-LATE" not in page
    other_day = client.get("/rounds/?date=" + (now + timedelta(days=3)).astimezone(CHICAGO).date().isoformat())
    assert "No visits on this day." in other_day.get_data(as_text=True)


def test_stock_shortage_is_shown_loudly(app, session, nurse_visit):
    client, visit, now = nurse_visit
    for lot in session.scalars(select(VialLot)):
        lot.quantity = 0
    session.commit()
    page = client.get("/rounds/").get_data(as_text=True)
    assert "STOCK SHORTAGE" in page and 'role="alert"' in page


def test_visit_view_shows_the_ramp_on_the_clock_the_cap_the_chart_and_now(nurse_visit):
    client, visit, now = nurse_visit
    page = client.get(f"/rounds/visits/{visit.id}").get_data(as_text=True)
    planned_start = visit.starts_at + timedelta(minutes=30)
    assert f"planned start ({planned_start.astimezone(CHICAGO):%H:%M}" in page
    assert "Never above 158 mL/hr" in page and "at-risk maximum (label)" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'class="series-planned"' in page
    # Not started: the plan's clock is a forecast, so no step is marked "now" (see test_rounds_phone.py).
    assert "◀ now" not in page and "not started yet" in page
    assert 'class="sheet"' in page and "rounds.css" in page  # the print stylesheet's one-sheet unit


def test_a_documented_infusion_round_trip(nurse_visit, session):
    client, visit, now = nurse_visit
    # Started an hour ago, so the 30-min observation after the end is over by now.
    start = now - timedelta(minutes=60)
    assert post(client, visit, "vitals", phase="baseline", taken_at=local(start - timedelta(minutes=5)),
                systolic_mmhg="128", diastolic_mmhg="80", pulse_bpm="72", temperature="38.4").status_code == 302
    assert post(client, visit, "start", at=local(start)).status_code == 302
    page = client.get(f"/rounds/visits/{visit.id}").get_data(as_text=True)
    assert f"actual start ({start.astimezone(CHICAGO):%H:%M}" in page
    assert 'class="flagged"' in page and "Temperature high" in page
    assert post(client, visit, "rate", kind="pause", at=local(start + timedelta(minutes=8)), reason="chills").status_code == 302
    page = client.get(f"/rounds/visits/{visit.id}").get_data(as_text=True)
    assert "Remaining ramp after the change" in page and "Paused." in page and "Expected end" in page
    assert 'class="series-actual"' in page and 'class="series-projected"' in page
    assert post(client, visit, "rate", kind="resume", at=local(start + timedelta(minutes=10)), rate_ml_per_hr="48").status_code == 302
    assert post(client, visit, "reaction", at=local(start + timedelta(minutes=8)), reaction_type="Chills or rigors",
                severity="mild", action_taken="paused 2 min").status_code == 302
    lot_id = session.scalar(select(VialLot.id).where(VialLot.lot_number == "OCT-EARLY"))
    session.commit()  # end the test's read transaction: SQLite lets one writer in at a time
    assert post(client, visit, "lots", lot_id=str(lot_id), vials_used="2", waste_ml="0").status_code == 302
    ended = start + timedelta(minutes=20)
    # 48 mL/hr for 18 of the 20 minutes: 14.4 mL possible; 10 mL is far below the dose: a reason.
    assert post(client, visit, "end", at=local(ended), total_volume_ml="10").status_code == 422
    assert post(client, visit, "end", at=local(ended), total_volume_ml="10",
                reason="stopped after the reaction; prescriber informed").status_code == 302
    assert post(client, visit, "vitals", phase="end", taken_at=local(ended), pulse_bpm="80").status_code == 302
    assert post(client, visit, "observation", at=local(ended + timedelta(minutes=10))).status_code == 422
    assert post(client, visit, "observation", at=local(ended + timedelta(minutes=30))).status_code == 302
    assert post(client, visit, "sign").status_code == 302
    assert post(client, visit, "amend", text="Reaction began at onset of pause.").status_code == 302
    assert post(client, visit, "complete").status_code == 302
    page = client.get(f"/rounds/visits/{visit.id}").get_data(as_text=True)
    assert "signed" in page and "Reaction began at onset of pause." in page
    session.expire_all()
    assert session.scalar(select(VialLot.quantity).where(VialLot.id == lot_id)) == 3
    assert visit.status == "completed"


@pytest.mark.parametrize(("step", "data", "field", "message"), [
    ("vitals", {"phase": "baseline", "systolic_mmhg": "400", "diastolic_mmhg": "20"}, "systolic_mmhg", "not possible"),
    ("rate", {"kind": "step_up", "rate_ml_per_hr": "500"}, "rate_ml_per_hr", "above this patient"),
    ("rate", {"kind": "step_up", "rate_ml_per_hr": "96", "minutes": -60}, "at", "before the start"),
    ("end", {"total_volume_ml": "900"}, "total_volume_ml", "more than this visit"),
    ("rate", {"kind": "step_up", "rate_ml_per_hr": "NaN"}, "rate_ml_per_hr", "Enter a number"),
    ("vitals", {"phase": "during", "pulse_bpm": "80", "minutes": 600}, "taken_at", "in the future"),
])
def test_bad_input_is_refused_beside_the_field_and_loses_nothing(nurse_visit, session, step, data, field, message):
    client, visit, now = nurse_visit
    assert post(client, visit, "start", at=local(now - timedelta(minutes=10))).status_code == 302
    moment = local(now + timedelta(minutes=data.pop("minutes", 0)))
    time_field = "taken_at" if step == "vitals" else "at"
    response = post(client, visit, step, **{time_field: moment}, **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_beside(page, f"{step}-{field}", message), page[page.find("errors"):][:400]
    session.expire_all()
    assert session.scalar(select(InfusionRecord).where(InfusionRecord.visit_id == visit.id)) is not None
    assert [c.kind for c in session.scalars(select(RateChange).where(RateChange.visit_id == visit.id))] == ["start"]


def test_coordinator_reads_but_cannot_document(app, session, nurse_visit):
    _, visit, now = nurse_visit
    client = logged_in_client(app, session, "coordinator")
    page = client.get(f"/rounds/visits/{visit.id}")
    assert page.status_code == 200 and "Rampling" in page.get_data(as_text=True)
    assert 'action="/rounds/visits/' not in page.get_data(as_text=True)
    assert post(client, visit, "start", at=local(now)).status_code == 403
    day = client.get(f"/rounds/?nurse={visit.nurse_id}&date={visit.starts_at.astimezone(CHICAGO).date().isoformat()}")
    assert "Rampling" in day.get_data(as_text=True)
    assert session.scalar(select(InfusionRecord)) is None


def test_another_nurse_gets_404_with_no_patient_data(app, session, nurse_visit):
    _, visit, now = nurse_visit
    user = make_user(session, role="nurse")
    from tests.factories import make_nurse

    make_nurse(session, user=user)
    session.commit()
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    for response in (client.get(f"/rounds/visits/{visit.id}"),
                     post(client, visit, "start", at=local(now)),
                     post(client, visit, "vitals", phase="baseline", pulse_bpm="70", taken_at=local(now))):
        body = response.get_data(as_text=True)
        assert response.status_code == 404
        assert "Rampling" not in body and "Latex" not in body
    assert "Rampling" not in client.get(f"/rounds/?nurse={visit.nurse_id}").get_data(as_text=True)
    assert session.scalar(select(VitalSigns)) is None
