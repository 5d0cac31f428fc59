"""Per-request security plumbing: proxy trust, audit context, session lifetime, refusals.

Installed by the app factory. The hooks run before the route policy, so every page added
later is covered without doing anything.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, flash, g, render_template, request, session
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

from scheduler.clock import utcnow
from scheduler.web import bodies
from scheduler.web.database import get_session
from scheduler.operations import AccessDenied, NotFound, audit

AUTH_AT_KEY = "auth_at"  # when this login began (Unix seconds), for the absolute lifetime


def install(app: Flask) -> None:
    bodies.install(app)
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        # Exactly that many trusted hops: the client address the nearest proxies saw (for
        # throttling and audit) and their https (Secure cookies, HSTS) are believed; anything
        # a client adds further left is ignored. With none (the default, also with
        # BEHIND_HTTPS alone) a client's X-Forwarded-For cannot pose as another address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.before_request(_set_audit_context)
    app.before_request(_enforce_absolute_lifetime)
    app.teardown_request(_clear_audit_context)
    app.register_error_handler(NotFound, _refused)
    app.register_error_handler(AccessDenied, _refused)


def mark_login(now) -> None:
    """Called by the login view right after login_user."""
    session[AUTH_AT_KEY] = int(now.timestamp())


def _set_audit_context():
    g.audit_token = audit.current_request.set(
        audit.RequestContext(source_ip=(request.remote_addr or "")[:45] or None, request_id=g.get("request_id"))
    )


def _clear_audit_context(_exc):
    token = g.pop("audit_token", None)
    if token is not None:
        audit.current_request.reset(token)


def _enforce_absolute_lifetime():
    # The idle timeout is Flask's signed-cookie max age (refreshed on each request); this
    # caps a session that is kept busy, e.g. a browser left open on an auto-refreshing page.
    if request.blueprint == "api":
        return None  # token-authenticated: no session to expire, and the cookie is ignored
    if not current_user.is_authenticated:
        return None
    started = session.get(AUTH_AT_KEY)
    limit = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    if isinstance(started, int) and utcnow().timestamp() - started <= limit.total_seconds():
        return None
    logout_user()
    session.clear()
    flash("Your session has ended. Please log in again.")
    return None  # the route policy now sees an anonymous user and sends them to log in


def audit_refusal(exc) -> int:
    """An operation refused an object: roll back, audit the refusal; the status to answer
    (404 for an object the caller may not learn exists, else 403). Pages and the API share it."""
    db = get_session()
    db.rollback()
    info = getattr(exc, "audit", None)
    if info:
        actor = current_user._get_current_object() if current_user.is_authenticated else None
        audit.record(db, actor=actor, now=utcnow(), **info)
        db.commit()
    return 404 if isinstance(exc, NotFound) else 403


# Every 404 page says this, whether the URL matches nothing, the id is out of range, does not
# exist, or belongs to a patient the caller may not reach: the answer must not tell which.
NOT_FOUND_MESSAGE = "There is no such page."


def _refused(exc):
    """Show no data of the refused object, and the very page of a missing id."""
    code = audit_refusal(exc)
    message = NOT_FOUND_MESSAGE if code == 404 else str(exc)
    return render_template("error.html", code=code, message=message), code
