"""Bedside details on the nurse's pages: temperature in °F or °C, the reaction pick-list with
the agency's reaction protocol, the week list, the day's supply list and the paper sheet."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from scheduler.models import VitalSigns
from tests.web import test_rounds_pages
from tests.web.pages import error_beside
from tests.web.test_rounds_pages import local, post

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
