"""Accounts: create users, authenticate, end sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.auth.passwords import hash_password, needs_rehash, password_problem, verify_password, verify_unknown_account
from scheduler.models import User
from scheduler.models.users import ROLES
from scheduler.operations import DomainError


class InvalidAccount(DomainError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(session: Session, *, email: str, full_name: str, role: str, password: str) -> User:
    email = normalise_email(email)
    if role not in ROLES:
        raise InvalidAccount(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")
    problem = password_problem(password, email)
    if problem:
        raise InvalidAccount(problem)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvalidAccount(f"An account with the email {email} already exists.")
    user = User(email=email, full_name=full_name, role=role, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str, *, now: datetime) -> User | None:
    """The user if the email and password match an active account, else None.

    The caller shows one generic message either way: which part was wrong is not said.
    """
    user = session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))
    if user is None:
        return verify_unknown_account(password) or None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    session.flush()
    return user


def end_all_sessions(session: Session, user: User) -> None:
    """Make every cookie issued to this user so far useless (logout, password change, disable)."""
    user.session_epoch += 1
    session.flush()
