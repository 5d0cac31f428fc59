"""Calendar files (RFC 5545, written with the icalendar library): the invitation attached
to a reminder email, and the subscription feed.

One UID per visit and per draw, the same in every email and feed, so a calendar that has
the event updates it instead of adding a copy: a moved visit carries a higher SEQUENCE,
a cancelled one METHOD:CANCEL with STATUS:CANCELLED (RFC 5546). Times are written in UTC;
the calendar shows them in the reader's own zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Infusion Scheduler//Reminders//EN"
# Calendar apps poll a feed at their own pace; this asks for about hourly.
FEED_REFRESH = timedelta(hours=1)  # keep X-PUBLISHED-TTL below in step


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str = ""
    description: str = ""
    cancelled: bool = False


def uid_domain(public_base_url: str) -> str:
    return urlsplit(public_base_url).hostname or "localhost"


def entry_uid(kind: str, object_id: int, domain: str) -> str:
    """kind: "visit" or "draw"."""
    return f"{kind}-{object_id}@{domain}"


def _event(entry: CalendarEntry, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", stamp.astimezone(timezone.utc))
    event.add("dtstart", entry.starts_at.astimezone(timezone.utc))
    event.add("dtend", entry.ends_at.astimezone(timezone.utc))
    event.add("sequence", entry.sequence)
    event.add("summary", entry.summary)
    if entry.location:
        event.add("location", entry.location)
    if entry.description:
        event.add("description", entry.description)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def _calendar(method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def invitation(entry: CalendarEntry, *, stamp: datetime, organizer_email: str, organizer_name: str,
               attendee_email: str | None) -> tuple[bytes, str]:
    """The ICS attachment and its METHOD: REQUEST (new or moved) or CANCEL."""
    method = "CANCEL" if entry.cancelled else "REQUEST"
    calendar = _calendar(method)
    event = _event(entry, stamp)
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = vText(organizer_name)
    event.add("organizer", organizer)
    if attendee_email:
        attendee = vCalAddress(f"mailto:{attendee_email}")
        # Nothing to answer: the visit is arranged with the care team, not by RSVP.
        attendee.params.update({"role": "REQ-PARTICIPANT", "partstat": "ACCEPTED", "rsvp": "FALSE"})
        event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical(), method


def feed(entries: list[CalendarEntry], *, name: str, stamp: datetime) -> bytes:
    calendar = _calendar()
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")  # the same hour, for Outlook
    for entry in entries:
        calendar.add_component(_event(entry, stamp))
    return calendar.to_ical()
