"""Bearer-token authentication for /api/v1.

Installed as an app-level before_request hook that runs after the audit context is set and
before the route policy. For an API endpoint it puts the token's owner (or nobody) where
Flask-Login looks first (`g._login_user`), so the session cookie is never consulted: a
browser's cookie must not authenticate an API call, because the API is exempt from CSRF
and a cookie would make every cross-site form a forged API call. The route policy then
applies the owner's role exactly as for pages.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, g, request

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations import audit
from scheduler.operations.api_tokens import authenticate_token
from scheduler.operations.login_throttle import record_token_failure, token_failures
from scheduler.web.access import PUBLIC, allowed_roles
from scheduler.web.api.errors import error_response

BLUEPRINT = "api"


def install(app: Flask) -> None:
    app.before_request(_authenticate)


def is_api_request() -> bool:
    return request.blueprint == BLUEPRINT


def _bearer() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _authenticate():
    if not is_api_request():
        return None
    g._login_user = current_app.login_manager.anonymous_user()
    given = _bearer()
    if given is not None:
        session, now = get_session(), utcnow()
        source_ip = request.remote_addr or "unknown"
        limit = current_app.config["API_TOKEN_MAX_FAILURES_PER_IP"]
        window = timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
        if token_failures(session, source_ip, now=now, window=window) >= limit:
            # Not checked and not counted while the address is over its limit.
            session.rollback()
            response = error_response(429, f"Too many refused API tokens from this address; wait "
                                           f"{current_app.config['LOGIN_WINDOW_MINUTES']} minutes.")
            response.headers["Retry-After"] = str(int(window.total_seconds()))
            return response
        token = authenticate_token(session, given, now=now)
        if token is not None:
            g._login_user, g.api_token_id = token.user, token.id
            return None
        _refused_token(session, source_ip, limit=limit, window=window, now=now)
    if allowed_roles(request.endpoint) == PUBLIC:
        return None
    return error_response(401, "Send a valid API token: Authorization: Bearer <token>.")


def _refused_token(session, source_ip: str, *, limit: int, window: timedelta, now) -> None:
    """A refused token (leaked, revoked, expired or guessed) is counted per address. The audit
    log gets the first refusal of a window and the one that reaches the limit, each with the
    count, rather than one hash-chained row per guess."""
    failures = record_token_failure(session, source_ip, now=now, window=window)
    if failures == 1 or failures == limit:
        audit.record(session, actor=None, action="api_token_throttled" if failures >= limit else "api_token_refused",
                     object_type="api", now=now,
                     details={"path": request.path[:200], "refused_in_window": failures, "limit": limit})
    session.commit()
