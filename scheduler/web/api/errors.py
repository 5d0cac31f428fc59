"""The API's one error shape, and the handlers that turn every failure into it.

    {"error": {"code": "not_found", "message": "There is no such visit.", "fields": {}}}

An API client never gets an HTML page or a stack trace: the handlers are registered on the
blueprint for each status code (a blueprint's code handler wins over the app's HTML one),
and the app's own 404/405/500 pages hand any /api/ path to `error_response`.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.exceptions import HTTPException

from scheduler.clinical import ClinicalRuleViolation, InvalidPlanInput
from scheduler.web.database import get_session
from scheduler.operations import AccessDenied, DomainError, NotFound
from scheduler.operations.idempotency import KeyReused
from scheduler.operations.visits import SchedulingConflict
from scheduler.web.security import audit_refusal

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
}
HANDLED_STATUSES = tuple(CODES)


class ApiError(Exception):
    def __init__(self, status: int, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.status, self.message = status, message
        self.code = code or CODES.get(status, "error")
        self.fields = fields or {}


def error_response(status: int, message: str, *, code: str | None = None, fields: dict | None = None, **extra):
    body = {"error": {"code": code or CODES.get(status, "error"), "message": message, "fields": fields or {}, **extra}}
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


# One answer for every 404: no route, an id out of range, a missing id, or one the token's
# user may not reach (see scheduler/web/security.py for the pages).
NOT_FOUND_MESSAGE = "There is no such resource, or it is not one this token may reach."
MESSAGES = {400: "The request body is not valid JSON or not a JSON object.", 404: NOT_FOUND_MESSAGE,
            413: "The request body is larger than this server accepts (MAX_REQUEST_BYTES)."}


def message_for(status: int, fallback: str | None) -> str:
    return MESSAGES.get(status) or fallback or "Error."


def _http_error(exc: HTTPException):
    # Werkzeug's descriptions are plain sentences with no request data in them; the app's own
    # exceptions (e.g. JSON nested too deep) say something more precise.
    own = not type(exc).__module__.startswith("werkzeug.")
    response = error_response(exc.code or 500, exc.description if own else message_for(exc.code, exc.description))
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _refused(exc: DomainError):
    """As for the pages: roll back, audit the refusal, show no data; a 404 like any other."""
    status = audit_refusal(exc)
    return error_response(status, message_for(status, None) if status == 404 else str(exc))


def _domain_error(exc: DomainError):
    get_session().rollback()
    if isinstance(exc, SchedulingConflict):
        conflicts = [{"rule": c.rule, "message": c.message, "visit_id": c.visit_id} for c in exc.conflicts]
        return error_response(409, str(exc), conflicts=conflicts)
    # Operations that check several fields at once (patients, nurses, documentation) name them.
    fields = dict(getattr(exc, "errors", None) or {})
    return error_response(422, str(exc), fields=fields)


def _clinical_stop(exc: ClinicalRuleViolation):
    get_session().rollback()
    return error_response(422, exc.message, code="hard_stop", fields={}, rule=exc.code)


def _invalid_plan_input(exc: InvalidPlanInput):
    get_session().rollback()
    return error_response(422, str(exc))


def _api_error(exc: ApiError):
    get_session().rollback()
    return error_response(exc.status, exc.message, code=exc.code, fields=exc.fields)


def _key_reused(exc: KeyReused):
    get_session().rollback()
    return error_response(422, str(exc), code="idempotency_key_reused")


def register(bp: Blueprint) -> None:
    for status in HANDLED_STATUSES:
        bp.register_error_handler(status, _http_error)
    bp.register_error_handler(ApiError, _api_error)
    bp.register_error_handler(NotFound, _refused)
    bp.register_error_handler(AccessDenied, _refused)
    bp.register_error_handler(KeyReused, _key_reused)
    bp.register_error_handler(DomainError, _domain_error)
    bp.register_error_handler(ClinicalRuleViolation, _clinical_stop)
    bp.register_error_handler(InvalidPlanInput, _invalid_plan_input)
