"""Private calendar feeds: one revocable subscription URL per nurse or patient.

The URL's token is its own secret, never the login session: a calendar app fetches it
unattended for months. Only its SHA-256 is stored (like the API tokens), a new link
revokes the previous one, and a revoked or unknown token finds nothing (the page is 404).

What a feed shows is decided here: a patient's feed his own visits (with address and
length) and blood tests (test, place, window); a nurse's feed her visits and the home
draws after her patients' courses, naming each patient only by initials and town, since a
calendar synced to a phone or a shared account is outside our control (docs/SECURITY.md).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.models import CalendarFeed, LabDraw, Nurse, Patient, TherapyOrder, User, Visit
from scheduler.models.visits import ending_after
from scheduler.notify.ics import CalendarEntry, entry_uid
from scheduler.notify.messages import TEST_NAMES
from scheduler.operations import DomainError, audit
from scheduler.operations.access import record_list_read
from scheduler.operations.api_tokens import LAST_USED_RESOLUTION, token_hash
from scheduler.reminders.timing import draw_window

TOKEN_PREFIX = "cal_"
FEED_ROLES = ("nurse", "patient")
# Entries that ended less than this long ago stay in the feed, so today's visit does not
# vanish from the calendar the moment it ends.
KEEP_PAST = timedelta(days=1)
ACTIVE_VISITS = ("booked", "in_progress")


def active_feed(session: Session, user: User) -> CalendarFeed | None:
    return session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
                          .order_by(CalendarFeed.id.desc()).limit(1))


def issue_feed(session: Session, user: User, *, now: datetime) -> tuple[CalendarFeed, str]:
    """A new subscription token for `user` (the plain token is returned here only); the
    previous link, if any, stops working."""
    if user.role not in FEED_ROLES:
        raise DomainError("Calendar links are for nurses and patients.")
    revoke_feeds(session, user, now=now)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=user.id, token_sha256=token_hash(plain), created_at=now)
    session.add(feed)
    session.flush()
    audit.record(session, actor=user, action="calendar_feed_issued", object_type="user", object_id=user.id, now=now,
                 details={"feed_id": feed.id})
    return feed, plain


def revoke_feeds(session: Session, user: User, *, now: datetime) -> int:
    feeds = list(session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == user.id,
                                                             CalendarFeed.revoked_at.is_(None))))
    for feed in feeds:
        feed.revoked_at = now
        audit.record(session, actor=user, action="calendar_feed_revoked", object_type="user", object_id=user.id,
                     now=now, details={"feed_id": feed.id})
    session.flush()
    return len(feeds)


def feed_owner(session: Session, plain: str, *, now: datetime) -> User | None:
    """The active nurse or patient whose live feed this token is; None otherwise."""
    if not plain or len(plain) > 200:
        return None
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.token_sha256 == token_hash(plain)))
    if feed is None or feed.revoked_at is not None or not feed.user.is_active or feed.user.role not in FEED_ROLES:
        return None
    if feed.last_used_at is None or now - feed.last_used_at >= LAST_USED_RESOLUTION:
        feed.last_used_at = now
    return feed.user


def feed_entries(session: Session, user: User, *, now: datetime, domain: str, advice=None) -> tuple[str, list[CalendarEntry]]:
    """(calendar name, entries) for the owner of a feed; each read is audited."""
    if user.role == "patient":
        return _patient_entries(session, user, now=now, domain=domain, advice=advice)
    return _nurse_entries(session, user, now=now, domain=domain)


def _draw_summary(draw: LabDraw, place: str) -> str:
    test = TEST_NAMES.get(draw.test, draw.test.replace("_", " "))
    return f"Blood test ({test}) {'at the lab' if place == 'lab' else 'at home'}"


def _length_words(delta: timedelta) -> str:
    hours, minutes = divmod(round(delta.total_seconds() / 60), 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def _patient_entries(session: Session, user: User, *, now: datetime, domain: str, advice):
    patient = session.scalar(select(Patient).where(Patient.user_id == user.id))
    if patient is None:
        return "My care", []
    zone = ZoneInfo(patient.timezone)
    visits = session.scalars(select(Visit).options(selectinload(Visit.nurse)).where(
        Visit.patient_id == patient.id, Visit.status.in_(ACTIVE_VISITS), ending_after(now - KEEP_PAST))
        .order_by(Visit.starts_at))
    address = f"{patient.address_line}, {patient.city} {patient.postal_code}"
    prepare = f" To prepare: {advice.hydration} {advice.clothing}" if advice else ""
    entries = [CalendarEntry(uid=entry_uid("visit", v.id, domain), sequence=max(v.version - 1, 0), starts_at=v.starts_at,
                             ends_at=v.ends_at, summary=f"Home visit: nurse {v.nurse.first_name}", location=address,
                             description=f"The visit lasts about {_length_words(v.ends_at - v.starts_at)}.{prepare}")
               for v in visits]
    for draw in session.scalars(select(LabDraw).options(selectinload(LabDraw.visit).selectinload(Visit.order)).where(
            LabDraw.patient_id == patient.id, LabDraw.status == "scheduled", LabDraw.due_at > now - KEEP_PAST)):
        opens, closes = draw_window(draw.due_at, zone)
        place = draw.visit.order.draw_place
        entries.append(CalendarEntry(uid=entry_uid("draw", draw.id, domain), sequence=0, starts_at=opens, ends_at=closes,
                                     summary=_draw_summary(draw, place), location=address if place == "home" else ""))
    audit.record(session, actor=user, action="read", object_type="calendar_feed", object_id=user.id,
                 patient_id=patient.id, now=now, details={"via": "calendar feed"})
    return "My care", sorted(entries, key=lambda e: e.starts_at)


def initials_and_town(patient: Patient) -> str:
    """All a nurse's calendar may say about a patient."""
    return f"{patient.first_name[:1]}. {patient.last_name[:1]}. ({patient.city})"


def _nurse_entries(session: Session, user: User, *, now: datetime, domain: str):
    nurse = session.scalar(select(Nurse).where(Nurse.user_id == user.id))
    if nurse is None:
        return "My visits", []
    visits = list(session.scalars(select(Visit).options(selectinload(Visit.patient)).where(
        Visit.nurse_id == nurse.id, Visit.status.in_(ACTIVE_VISITS), ending_after(now - KEEP_PAST))
        .order_by(Visit.starts_at)))
    entries = [CalendarEntry(uid=entry_uid("visit", v.id, domain), sequence=max(v.version - 1, 0), starts_at=v.starts_at,
                             ends_at=v.ends_at, summary=f"Visit: {initials_and_town(v.patient)}", location=v.patient.city)
               for v in visits]
    # Home draws after the courses she finished: she, or a colleague, draws the blood.
    draws = list(session.scalars(select(LabDraw).join(Visit, LabDraw.visit_id == Visit.id)
                                 .join(TherapyOrder, Visit.order_id == TherapyOrder.id)
                                 .options(selectinload(LabDraw.patient)).where(
        Visit.nurse_id == nurse.id, TherapyOrder.draw_place == "home", LabDraw.status == "scheduled",
        LabDraw.due_at > now - KEEP_PAST)))
    for draw in draws:
        opens, closes = draw_window(draw.due_at, ZoneInfo(draw.patient.timezone))
        entries.append(CalendarEntry(uid=entry_uid("draw", draw.id, domain), sequence=0, starts_at=opens, ends_at=closes,
                                     summary=f"Home blood draw: {initials_and_town(draw.patient)}",
                                     location=draw.patient.city))
    record_list_read(session, user, object_type="calendar_feed", now=now, details={"via": "calendar feed"},
                     patient_ids=[v.patient_id for v in visits] + [d.patient_id for d in draws])
    return "My visits", sorted(entries, key=lambda e: e.starts_at)


def entries_etag(name: str, entries: list[CalendarEntry]) -> str:
    """Changes exactly when what the calendar would show changes (not with DTSTAMP)."""
    digest = hashlib.sha256(name.encode())
    for e in entries:
        digest.update(repr((e.uid, e.sequence, e.starts_at.isoformat(), e.ends_at.isoformat(), e.summary, e.location,
                            e.description, e.cancelled)).encode())
    return digest.hexdigest()[:32]
