"""API bearer tokens: issue (shown once), authenticate, revoke.

Only the SHA-256 of a token is stored. A token acts as its owner: the owner's role and
object rules apply to every call, and disabling the account stops its tokens too.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import ApiToken, User
from scheduler.operations import DomainError, audit

TOKEN_PREFIX = "isk_"  # recognisable in a leaked config file or a secret scanner
# last_used_at is for spotting dead tokens, not an access log (the audit log is that):
# writing it on every call would add a write to every read, so it is refreshed at most
# this often.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(session: Session, user: User, *, name: str, now: datetime,
                valid_for: timedelta | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`, expiring after `valid_for` if given; the plain token is
    returned here and never again."""
    name = (name or "").strip()[:100] or "api"
    if not user.is_active:
        raise DomainError(f"The account {user.email} is disabled.")
    if valid_for is not None and valid_for <= timedelta(0):
        raise DomainError("A token must be valid for some time; give a positive number of days.")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_sha256=token_hash(plain), created_at=now,
                     expires_at=None if valid_for is None else now + valid_for)
    session.add(token)
    session.flush()
    audit.record(session, actor=None, action="api_token_issued", object_type="user", object_id=user.id, now=now,
                 details={"token_id": token.id, "name": name,
                          "expires_at": None if token.expires_at is None else token.expires_at.isoformat()})
    return token, plain


def revoke_tokens(session: Session, user: User, *, name: str | None, now: datetime) -> list[ApiToken]:
    """Revoke the user's live tokens with that name (every live token when name is None)."""
    query = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if name is not None:
        query = query.where(ApiToken.name == name)
    tokens = list(session.scalars(query))
    for token in tokens:
        token.revoked_at = now
    session.flush()
    for token in tokens:
        audit.record(session, actor=None, action="api_token_revoked", object_type="user", object_id=user.id,
                     now=now, details={"token_id": token.id, "name": token.name})
    return tokens


def authenticate_token(session: Session, plain: str, *, now: datetime) -> ApiToken | None:
    """The live token matching `plain`, whose owner is active; None otherwise.

    Looked up by its hash, so the comparison is an index lookup on a value an attacker
    cannot steer towards a stored hash (no timing oracle on the token itself).
    """
    if not plain or len(plain) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == token_hash(plain)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if token.expires_at is not None and now >= token.expires_at:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token
