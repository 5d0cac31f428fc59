"""The JSON API at /api/v1: the same operations as the pages, authenticated by bearer token.

Thin views: parse the JSON, call one operation, commit once. CSRF does not apply (no
cookie authenticates here, see auth.py); the route policy (@allow) and the operations'
object rules apply exactly as for the pages.
"""

from flask import Blueprint, request

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from scheduler.web.api.common import ID  # noqa: E402
from scheduler.web.converters import IdConverter  # noqa: E402

# Recorded before any route, so the converter exists when the routes are added.
bp.record_once(lambda state: state.app.url_map.converters.setdefault(ID, IdConverter))

from scheduler.web.api import errors  # noqa: E402

errors.register(bp)


@bp.before_request
def _json_body_within_depth():
    # The depth limit (web/bodies.py) answers 400 on every route, also on one that ignores its
    # body: the answer to a hostile body never depends on whether a route happens to read it.
    if request.is_json and request.content_length:
        request.get_json(silent=True)


@bp.after_request
def _no_store(response):
    # Answers carry health data: no shared or client cache may keep them (the app does the
    # same for HTML pages).
    response.headers.setdefault("Cache-Control", "no-store")
    return response

from scheduler.web.api import (  # noqa: E402,F401
    routes_catalog, routes_docs, routes_events, routes_follow_up, routes_orders, routes_patients, routes_replans,
    routes_visits,
)
