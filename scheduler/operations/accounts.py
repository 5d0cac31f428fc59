"""Accounts: create users, authenticate, change passwords, disable, end sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.auth.passwords import hash_password, needs_rehash, password_problem, verify_password, verify_unknown_account
from scheduler.models import User
from scheduler.models.users import ROLES
from scheduler.operations import DomainError, audit


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


class WrongPassword(DomainError):
    pass


def change_password(session: Session, user: User, *, current_password: str, new_password: str, now: datetime) -> None:
    """Set a new password after checking the current one; every earlier session ends.

    The current password is asked for so that a session left open on a shared computer
    cannot be turned into a permanent takeover.
    """
    if not verify_password(user.password_hash, current_password):
        raise WrongPassword("The current password is not correct.")
    problem = password_problem(new_password, user.email)
    if problem:
        raise InvalidAccount(problem)
    if verify_password(user.password_hash, new_password):
        raise InvalidAccount("Choose a password different from the current one.")
    user.password_hash = hash_password(new_password)
    end_all_sessions(session, user)
    audit.record(session, actor=user, action="password_change", object_type="user", object_id=user.id, now=now)


def set_active(session: Session, user_id: int, active: bool, *, actor, now: datetime) -> User:
    """Disable or re-enable an account; disabling ends every session it has open."""
    user = session.get(User, user_id)
    if user is None:
        raise InvalidAccount(f"There is no account with id {user_id}.")
    user.is_active = active
    if not active:
        end_all_sessions(session, user)
    audit.record(session, actor=actor, action="enable_user" if active else "disable_user",
                 object_type="user", object_id=user.id, now=now)
    return user
