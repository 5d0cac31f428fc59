"""SMS stay within 160 GSM-7 characters, or are split into parts that say so."""

from scheduler.notify.sms import SMS_LIMIT, septets, split_sms, to_gsm7


def test_a_short_text_is_one_message_unchanged():
    assert split_sms("Agency: Nurse Ana arrives Mon 23 Nov 08:45-09:15 CST.") == [
        "Agency: Nurse Ana arrives Mon 23 Nov 08:45-09:15 CST."]


def test_a_long_text_is_split_into_numbered_parts_each_within_160():
    text = " ".join(["Drink at least 64 oz of water a day in the 2 days before your visit."] * 6)
    parts = split_sms(text)
    assert len(parts) == 3
    assert all(septets(p) <= SMS_LIMIT for p in parts)
    assert [p.split(" ", 1)[0] for p in parts] == ["(1/3)", "(2/3)", "(3/3)"]
    assert " ".join(p.split(" ", 1)[1] for p in parts) == text  # nothing lost, nothing reordered


def test_characters_outside_gsm7_are_replaced_so_the_message_stays_gsm7():
    # A curly quote or an en dash would turn the whole SMS into UCS-2 (70 characters).
    assert to_gsm7("Zoë’s visit 09:00–09:30 “today”") == "Zoe's visit 09:00-09:30 \"today\""
    assert to_gsm7("Müller é ñ €") == "Müller é ñ €"  # in GSM-7 already


def test_extension_characters_count_twice_and_a_giant_word_is_cut():
    assert septets("[€]") == 6
    parts = split_sms("x" * 400)
    assert all(septets(p) <= SMS_LIMIT for p in parts) and len(parts) == 3
