"""The preparation advice in reminders comes from the organisation's protocol file."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.clinical import CatalogError, load_catalog
from scheduler.clinical.advice import advice_of, shipped_patient_advice
from scheduler.clinical.catalog import SHIPPED_PROTOCOL_PATH
from scheduler.notify.messages import MessageFacts, VisitFacts, email_message, sms_parts

SHIPPED = SHIPPED_PROTOCOL_PATH.read_text()
START = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("America/Chicago"))


def facts(advice, *, premedication=False) -> MessageFacts:
    visit = VisitFacts(visit_id=7, starts_at=START, ends_at=START + timedelta(hours=4), nurse_first_name="Nora",
                       address="2 Elm St, Chicago 60601", version=1, premedication=premedication)
    return MessageFacts(kind="visit_eve", zone="America/Chicago", patient_first_name="Pat", agency_name="Agency",
                        agency_phone="+13125550100", visit=visit, advice=advice)


def test_the_shipped_advice_marks_the_64_oz_figure_as_the_organisations_own():
    advice = shipped_patient_advice()
    assert "64 oz" in advice.hydration and "short sleeves" in advice.clothing
    block = SHIPPED.split("[patient_advice]")[1]
    assert re.search(r"64 oz a day in the days before is NOT in the project's sources", block)


def test_an_organisation_file_words_the_advice_and_the_reminders_follow(tmp_path):
    path = tmp_path / "org.toml"
    path.write_text(SHIPPED.replace("Wear loose clothing with short sleeves", "Wear a short-sleeved shirt"))
    advice = advice_of(load_catalog(path).protocol)
    assert "Wear a short-sleeved shirt" in email_message(facts(advice), stamp=START).text


def test_an_organisation_file_without_advice_keeps_the_shipped_advice(tmp_path):
    path = tmp_path / "org.toml"
    path.write_text(SHIPPED.split("[patient_advice]")[0])
    assert advice_of(load_catalog(path).protocol) == shipped_patient_advice()


def test_a_misspelt_advice_field_is_refused_naming_it(tmp_path):
    path = tmp_path / "org.toml"
    path.write_text(SHIPPED.replace("clothing =", "clothes ="))
    with pytest.raises(CatalogError, match="patient_advice.clothes"):
        load_catalog(path)


def test_premedication_advice_only_when_the_order_has_premedication():
    advice = shipped_patient_advice()
    without, with_premed = facts(advice), facts(advice, premedication=True)
    assert advice.premedication not in email_message(without, stamp=START).text
    assert advice.premedication in email_message(with_premed, stamp=START).text
    sms = " ".join(part.split(" ", 1)[1] for part in sms_parts(with_premed))  # the parts' text without "(1/2)"
    assert advice.sms_premedication in sms
