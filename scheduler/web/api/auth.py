"""Bearer-token authentication for /api/v1.

Installed as an app-level before_request hook that runs after the audit context is set and
before the route policy. For an API endpoint it puts the token's owner (or nobody) where
Flask-Login looks first (`g._login_user`), so the session cookie is never consulted: a
browser's cookie must not authenticate an API call, because the API is exempt from CSRF
and a cookie would make every cross-site form a forged API call. The route policy then
applies the owner's role exactly as for pages.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations import audit
from scheduler.operations.api_tokens import authenticate_token
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
        token = authenticate_token(session, given, now=now)
        if token is not None:
            g._login_user, g.api_token_id = token.user, token.id
            return None
        # A refused token is a security event (a leaked, revoked or guessed token).
        audit.record(session, actor=None, action="api_token_refused", object_type="api", now=now,
                     details={"path": request.path[:200]})
        session.commit()
    if allowed_roles(request.endpoint) == PUBLIC:
        return None
    return error_response(401, "Send a valid API token: Authorization: Bearer <token>.")
