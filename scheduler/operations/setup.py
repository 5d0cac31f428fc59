"""A new agency's installation: the agency row and its first administrator, once.

`flask setup` calls this on a database without demo data; it refuses a second run so an
agency's name, zone and first admin are never overwritten by a repeated command.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.auth.passwords import password_problem
from scheduler.models import Agency, User
from scheduler.operations import DomainError, audit
from scheduler.operations.accounts import create_user, normalise_email
from scheduler.operations.checks import Checker


class AlreadySetUp(DomainError):
    pass


def is_set_up(session: Session) -> bool:
    """Someone can use this installation: it has an agency (setup or demo) or an account."""
    return (session.scalar(select(Agency.id).limit(1)) is not None
            or session.scalar(select(User.id).limit(1)) is not None)


def set_up_agency(session: Session, *, agency_name: str, timezone: str, phone: str, admin_email: str,
                  admin_name: str, password: str, now: datetime) -> tuple[Agency, User]:
    """The agency and its first admin; InvalidValues names every bad field at once."""
    if session.scalar(select(Agency.id).limit(1)) is not None:
        raise AlreadySetUp("This installation already has an agency; `flask setup` runs only once. "
                           "Add accounts with `flask users create`.")
    c = Checker()
    name = c.text("agency_name", agency_name, label="agency name", max_len=200)
    zone = c.time_zone("timezone", (timezone or "").strip())
    phone_e164 = c.phone("phone", phone, required=True)
    email = c.text("admin_email", normalise_email(admin_email or ""), label="admin email", max_len=254)
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        c.fail("admin_email", "This is not a valid email address.")
    full_name = c.text("admin_name", admin_name, label="admin's full name", max_len=200)
    problem = password_problem(password or "", email)
    if problem:
        c.fail("password", problem)
    if email and session.scalar(select(User.id).where(User.email == email)) is not None:
        c.fail("admin_email", f"An account with the email {email} already exists.")
    c.done()
    agency = Agency(name=name, timezone=zone, phone_e164=phone_e164)
    session.add(agency)
    admin = create_user(session, email=email, full_name=full_name, role="admin", password=password)
    audit.record(session, actor=admin, action="setup", object_type="agency", object_id=str(agency.id), now=now,
                 details={"admin_user_id": admin.id})
    return agency, admin
