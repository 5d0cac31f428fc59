"""Control characters (NUL, escape, ...) are refused in every text field, with a sentence
beside the field and what was typed kept; never saved, never a server error."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import wtforms
from sqlalchemy import func, select

from scheduler.clock import utcnow
from scheduler.models import Reaction
from scheduler.web.forms import FlaskForm, forbidden_character
from tests.rounds_support import make_planned_visit, nurse_login
from tests.factories import PASSWORD, make_nurse
from tests.web.pages import error_beside, logged_in_client


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_form_of_the_app_derives_from_the_base_that_refuses_control_characters(app):
    # create_app imported every blueprint, so every form class of the app exists by now.
    forms = {c for c in _subclasses(wtforms.Form) if c.__module__.startswith("scheduler.") and c is not FlaskForm}
    assert len(forms) >= 20
    offenders = sorted(f"{c.__module__}.{c.__qualname__}" for c in forms if not issubclass(c, FlaskForm))
    assert not offenders, ("These forms do not refuse control characters; import the base with "
                           f"`from scheduler.web.forms import FlaskForm`: {offenders}")


@pytest.mark.parametrize("text", ["a\x00b", "a\x1bb", "\x7f", "a\x85b", "a\ud800b"])
def test_control_characters_and_surrogates_are_named_in_a_sentence(text):
    assert "control character" in forbidden_character(text, multiline=True)


def test_line_breaks_only_in_a_text_area_and_tabs_anywhere():
    assert forbidden_character("line one\r\nline two", multiline=True) is None
    assert "single line" in forbidden_character("Smith\r\nBcc: x@example.org")
    assert forbidden_character("a\tb") is None
    assert forbidden_character("Zoë O'Brien — 日本 🙂") is None


def test_the_reaction_form_refuses_a_nul_and_keeps_what_was_typed(app, session):
    user, nurse = nurse_login(session)
    now = utcnow().replace(second=0, microsecond=0)
    visit = make_planned_visit(session, starts_at=now - timedelta(minutes=40), nurse=nurse)
    at = now.astimezone(ZoneInfo(visit.patient.timezone)).strftime("%Y-%m-%dT%H:%M")
    visit_id = visit.id
    session.commit()  # and no read transaction left open: SQLite lets one writer in at a time
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert client.post(f"/rounds/visits/{visit_id}/start", data={"start-at": at}).status_code == 302
    response = client.post(f"/rounds/visits/{visit_id}/reaction", data={
        "reaction-at": at, "reaction-reaction_type": "chills\x00", "reaction-severity": "mild",
        "reaction-action_taken": "slowed the pump\nthen resumed"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error_beside(page, "reaction-reaction_type", "control character (U+0000)")
    assert "slowed the pump\nthen resumed" in page  # nothing typed is lost
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Reaction)) == 0


def test_an_integer_no_database_column_can_hold_is_refused_in_every_form(app, session):
    # Found by the form fuzzer: a forged hidden absence id of 2**63 overflowed SQLite (a 500).
    nurse_id = make_nurse(session).id
    client = logged_in_client(app, session, "coordinator")
    response = client.post(f"/nurses/{nurse_id}/absences/remove", data={"absence_id": str(2**63)})
    assert response.status_code == 302  # "Nothing was removed", back to the nurse's page
