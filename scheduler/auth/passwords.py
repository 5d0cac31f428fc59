"""Password hashing: Argon2id through argon2-cffi.

The library defaults (RFC 9106 low-memory profile: 64 MiB, t=3, p=4) are above OWASP's
minimum for Argon2id. The test suite swaps in argon2's cheapest profile (tests/conftest.py);
nothing in the application can.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher(type=Type.ID)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


_dummy_hashes: dict[int, str] = {}


def verify_unknown_account(password: str) -> bool:
    """Spend the time a real verification takes, so a failed login takes as long whether or
    not the account exists; always False."""
    key = id(_hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = _hasher.hash("no account has this password, it is only for timing")
    verify_password(_dummy_hashes[key], password)
    return False


def password_problem(password: str, email: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if password.strip().lower() == email.strip().lower():
        return "The password must not be your email address."
    return None
