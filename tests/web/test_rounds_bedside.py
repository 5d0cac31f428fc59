"""Bedside details on the nurse's pages: temperature in °F or °C, the reaction pick-list with
the agency's reaction protocol, the week list, the day's supply list and the paper sheet."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from scheduler.models import VitalSigns
from tests.web import test_rounds_pages
from tests.web.pages import error_beside
from tests.web.test_rounds_pages import CHICAGO, local, post

nurse_visit = test_rounds_pages.nurse_visit


def test_a_temperature_in_fahrenheit_is_stored_in_celsius_and_shown_in_both(nurse_visit, session):
    client, visit, now = nurse_visit
    visit_id = visit.id
    assert post(client, visit, "vitals", phase="baseline", taken_at=local(now - timedelta(minutes=5)),
                temperature="100.4", temperature_unit="F").status_code == 302
    session.expire_all()
    assert session.scalar(select(VitalSigns.temperature_c)) == Decimal("38.0")
    session.commit()  # end the test's read transaction: SQLite lets one writer in at a time
    page = client.get(f"/rounds/visits/{visit_id}").get_data(as_text=True)
    assert "38.0 °C (100.4 °F)" in page


def test_an_impossible_temperature_is_explained_in_the_unit_typed(nurse_visit):
    client, visit, now = nurse_visit
    response = post(client, visit, "vitals", phase="baseline", taken_at=local(now), temperature="986",
                    temperature_unit="F")
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "vitals-temperature", "986 °F is not possible")
    # 98.6 with °C chosen is a slip of the unit: say so.
    response = post(client, visit, "vitals", phase="baseline", taken_at=local(now), temperature="98.6",
                    temperature_unit="C")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and error_beside(page, "vitals-temperature", "Did you mean °F?")
    assert 'value="98.6"' in page  # nothing typed is lost
    response = post(client, visit, "vitals", phase="baseline", taken_at=local(now), temperature="1e30",
                    temperature_unit="F")
    assert response.status_code == 422 and error_beside(response.get_data(as_text=True), "vitals-temperature",
                                                        "not a temperature")


def test_the_reaction_form_picks_from_the_protocol_list_and_shows_what_to_do(nurse_visit):
    client, visit, now = nurse_visit
    assert post(client, visit, "start", at=local(now - timedelta(minutes=10))).status_code == 302
    page = client.get(f"/rounds/visits/{visit.id}").get_data(as_text=True)
    form = page[page.index('id="reaction"'):page.index("</form>", page.index('id="reaction"'))]
    assert '<option value="Chills or rigors">' in form and "Severe / anaphylaxis" in form
    # The shipped protocol file's actions, by severity, with their sources.
    assert "Call emergency services (911) now" in form and "Epinephrine" in form and "Gammaked label" in form
    assert "Pause the infusion. If symptoms resolve after 30 minutes" in form


def test_a_reaction_needs_the_action_taken_and_a_name_from_the_list(nurse_visit):
    client, visit, now = nurse_visit
    assert post(client, visit, "start", at=local(now - timedelta(minutes=10))).status_code == 302
    response = post(client, visit, "reaction", at=local(now), reaction_type="Flushing", severity="moderate",
                    action_taken="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and error_beside(page, "reaction-action_taken", "Say what was done")
    assert '<option selected value="Flushing">' in page or 'value="Flushing" selected' in page
    response = post(client, visit, "reaction", at=local(now), reaction_type="made up", severity="mild",
                    action_taken="paused")
    assert response.status_code == 422 and error_beside(response.get_data(as_text=True), "reaction-reaction_type", "Not a valid choice")


def test_an_organisation_protocol_without_reactions_says_so(app, nurse_visit, tmp_path):
    from scheduler.clinical.catalog import SHIPPED_PROTOCOL_PATH
    from scheduler.operations.catalog import CatalogSource

    client, visit, now = nurse_visit
    text = SHIPPED_PROTOCOL_PATH.read_text()
    own = tmp_path / "protocol.toml"
    own.write_text(text[:text.index("[reactions]")] + text[text.index("# Per product and indication"):])
    app.extensions["catalog_source"] = CatalogSource(str(own))
    assert post(client, visit, "start", at=local(now - timedelta(minutes=10))).status_code == 302
    page = client.get(f"/rounds/visits/{visit.id}").get_data(as_text=True)
    assert "has no reaction protocol" in page and "describe it in the action taken" in page


def test_the_paper_sheet_has_date_nurse_birth_date_allergies_blank_rows_and_a_signature_line(app, session, nurse_visit):
    client, visit, now = nurse_visit
    born, visit_id = visit.patient.date_of_birth, visit.id
    session.commit()  # end the test's read transaction: SQLite lets one writer in at a time
    response = client.get(f"/rounds/visits/{visit_id}/print")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    local_day = visit.starts_at.astimezone(CHICAGO).strftime("%A %d %B %Y")
    assert f"<dt>Date</dt><dd>{local_day}</dd>" in page
    assert "<dt>Nurse</dt><dd>" in page and f"<dt>Date of birth</dt><dd><strong>{born.isoformat()}" in page
    assert "<dt>Allergies</dt><dd><strong>Latex</strong>" in page
    assert page.count("<td></td>") >= 14 * 9  # blank cells for handwritten times, rates and vitals
    assert "Nurse signature ____" in page and "Time set" in page and "Temp °F / °C" in page
    assert 'data-print hidden>Print</button>' in page
    visit_page = client.get(f"/rounds/visits/{visit_id}").get_data(as_text=True)
    assert f'href="/rounds/visits/{visit_id}/print"' in visit_page and "data-print" in visit_page


def test_the_day_shows_its_week_and_links_the_days_around_it(nurse_visit):
    client, visit, now = nurse_visit
    today = now.astimezone(CHICAGO).date()
    page = client.get(f"/rounds/?date={today.isoformat()}").get_data(as_text=True)
    monday = today - timedelta(days=today.weekday())
    week = page[page.index('aria-label="This week"'):page.index("</nav>", page.index('aria-label="This week"'))]
    assert week.count("<li>") == 7 and f'date={monday.isoformat()}' in week
    assert re.search(rf'date={today.isoformat()}"[^>]*aria-current="date">\s*\w+ \d\d <span class="count">1 visit</span>', week)
    assert f'date={(today - timedelta(days=1)).isoformat()}" rel="prev"' in page
    assert f'date={(today + timedelta(days=1)).isoformat()}" rel="next"' in page


def test_the_supply_list_sums_the_days_vials_by_lot_with_premedications(nurse_visit):
    client, visit, now = nurse_visit
    today = now.astimezone(CHICAGO).date().isoformat()
    page = client.get(f"/rounds/supplies?date={today}").get_data(as_text=True)
    # 80 g = 2 x 30 g (first-expiring lot) + 1 x 20 g.
    assert re.search(r"30 g, lot OCT-EARLY, expires [\d-]+</td><td data-label=\"Count\"><strong>2</strong>", page)
    assert re.search(r"20 g, lot OCT-20, expires [\d-]+</td><td data-label=\"Count\"><strong>1</strong>", page)
    assert "Premedication: Paracetamol 1 g PO" in page and "Rampling" in page
    assert "data-print" in page
