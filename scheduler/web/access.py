"""Route access policy: every endpoint declares the roles it admits, or that it is public.

Deny by default: an endpoint with no declaration answers 403 to everyone, so a new page
cannot be reachable by accident. Object-level checks (which patient, which visit) belong to
the operations, not here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, current_app, request
from flask_login import current_user

F = TypeVar("F", bound=Callable)

PUBLIC = "public"
ALL_ROLES = ("admin", "coordinator", "nurse", "patient")


def allow(*roles: str) -> Callable[[F], F]:
    """Declare the roles that may call a view: @allow("coordinator", "admin")."""
    unknown = set(roles) - set(ALL_ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def mark(view: F) -> F:
        view.allowed_roles = frozenset(roles)
        return view

    return mark


def public(view: F) -> F:
    view.allowed_roles = PUBLIC
    return view


def allowed_roles(endpoint: str | None) -> frozenset[str] | str | None:
    if endpoint is None:
        return None
    if endpoint == "static":
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", None)


def enforce_route_policy():
    """before_request hook: login required unless public, then the role must be admitted."""
    if request.endpoint is None:  # no route matched: let Flask answer 404 / 405
        return None
    roles = allowed_roles(request.endpoint)
    if roles == PUBLIC:
        return None
    if not current_user.is_authenticated:
        # A view may keep what a logged-out caller posted and ask for the password on the
        # spot (the nurse's documentation after an idle logout) instead of dropping it.
        keep = getattr(current_app.view_functions[request.endpoint], "when_logged_out", None)
        return keep() if keep else current_app.login_manager.unauthorized()
    if roles is None or current_user.role not in roles:
        abort(403)
    return None
