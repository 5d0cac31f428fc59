"""Codes and numbers in words: lengths, times with their zone, each conflict as a sentence."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from scheduler import wording

CHICAGO = ZoneInfo("America/Chicago")


def test_lengths_read_in_hours_and_minutes_never_shortened():
    assert wording.duration(370) == "6 h 10 min"
    assert wording.duration(120) == "2 h"
    assert wording.duration(44.2) == "45 min"


def test_a_busy_nurse_is_named_with_whose_visit_until_when_and_the_drive():
    sentence = wording.nurse_busy_before("Ana Ruiz", "Maria Lopez", datetime(2026, 12, 3, 11, 40, tzinfo=CHICAGO), 25, CHICAGO)
    assert sentence.startswith("Nurse Ana Ruiz is at Maria Lopez's until 11:40 CST; 25 min drive")
    assert "12:05 CST at the earliest" in sentence


def test_every_known_code_has_a_title_and_an_unknown_one_is_still_words():
    assert wording.title("session_too_long") == "Visit longer than the session limit"
    assert wording.title("nurse_overlap") == "Nurse busy"
    assert wording.title("some_new_code") == "Some new code"


def test_window_sentence_names_the_days():
    assert wording.order_window(1, date(2026, 12, 20), date(2026, 12, 3), date(2026, 12, 11)) == (
        "Day 1 on Sun 20 Dec is outside the order's window, Thu 3 Dec to Fri 11 Dec.")
