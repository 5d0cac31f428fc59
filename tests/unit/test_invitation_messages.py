"""Portal invitations and email confirmations go out like reminders (text + HTML email, GSM-7
SMS parts) but carry a signed link instead of a calendar file."""

from __future__ import annotations

from datetime import datetime, timezone

from scheduler.notify.messages import MessageFacts, email_message, sms_parts
from scheduler.notify.sms import septets

STAMP = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
EXPIRES = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)
# A real link: the signed token (itsdangerous) of an id and a 43-character nonce is ~70 characters.
URL = "https://agency.example/portal/invitation/.eJyrVspUsjI0MjYxNdNRylOyUkokHijVAgBY7hS8.VKPWCewUN7ipdB_Ilp9XZ-YcP_A"


def facts(kind: str) -> MessageFacts:
    return MessageFacts(kind=kind, zone="America/Chicago", patient_first_name="Grace", agency_name="Lakeside Infusion",
                        agency_phone="+13125550100", invitation_id=3, invitation_nonce="n", invitation_expires_at=EXPIRES,
                        invitation_url=URL)


def test_an_invitation_email_has_text_and_html_with_the_link_and_no_calendar_file():
    message = email_message(facts("portal_invitation"), stamp=STAMP)
    assert message.subject == "Your patient portal at Lakeside Infusion"
    assert URL in message.text and f'<a href="{URL}">Set your portal password</a>' in message.html
    # Until when, in the patient's zone with its name.
    assert "until Thursday 26 November at 09:00 (CST)" in message.text
    assert message.ics is None and message.ics_method is None


def test_an_email_confirmation_names_what_to_do_and_carries_its_link():
    message = email_message(facts("email_confirmation"), stamp=STAMP)
    assert message.subject == "Confirm your email for Lakeside Infusion"
    assert f'<a href="{URL}">Confirm this email address</a>' in message.html and message.ics is None


def test_an_invitation_sms_is_split_into_gsm7_parts_with_the_link_whole_in_one_of_them():
    parts = sms_parts(facts("portal_invitation"))
    assert len(parts) == 2 and all(septets(p) <= 160 for p in parts)
    assert any(URL in part for part in parts)  # a link cut between two messages could not be followed
    assert parts[-1].endswith("(works once, until Thu 26 Nov 09:00 CST).")
