"""Parsing JSON bodies and query strings, paging, and Idempotency-Key, for the API views.

These check only the shape of the input (a number is a number, a time carries its
offset); every rule about the values belongs to the operation the view calls.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from scheduler.web.database import get_session
from scheduler.operations import idempotency
from scheduler.web.api.errors import ApiError
from scheduler.web.converters import MAX_DB_ID
from scheduler.web.forms import forbidden_character

MAX_PER_PAGE, DEFAULT_PER_PAGE = 100, 25
# Ids are 32-bit integer columns: the same bounded converter as the pages
# (scheduler/web/converters.py), registered for the API under its own name.
MAX_ID = MAX_DB_ID
ID = "api_id"


MAX_TEXT = 5000
MISSING = object()


def iso(moment: datetime | None) -> str | None:
    """UTC, ISO-8601, with its offset: 2026-11-23T15:00:00+00:00."""
    return None if moment is None else moment.astimezone(timezone.utc).isoformat()


class Fields:
    """Reads one JSON object (the body, or the query string), collecting a message per bad
    field; `done()` raises them together as one 422."""

    def __init__(self, data: dict, *, text_numbers: bool = False):
        # A query string carries numbers as text; a JSON body must send them as numbers.
        self.data, self.errors, self.text_numbers = data, {}, text_numbers

    @classmethod
    def body(cls) -> Fields:
        if not request.is_json:
            raise ApiError(415, "Send the body as JSON (Content-Type: application/json).")
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ApiError(400, "The request body is not valid JSON or not a JSON object.")
        return cls(data)

    @classmethod
    def query(cls) -> Fields:
        return cls(request.args.to_dict(), text_numbers=True)

    def _get(self, name, default, required):
        value = self.data.get(name, MISSING)
        if value is MISSING or value is None:
            if required:
                self.errors[name] = "This field is required."
            return default
        return value

    def _bad(self, name, message, default):
        self.errors[name] = message
        return default

    def text(self, name, *, default="", required=False, max_length=MAX_TEXT):
        value = self._get(name, default, required)
        if value is default:
            return default
        if not isinstance(value, str):
            return self._bad(name, "Must be a string.", default)
        if len(value) > max_length:
            return self._bad(name, f"At most {max_length} characters.", default)
        problem = forbidden_character(value, multiline=True)
        if problem:
            return self._bad(name, problem, default)
        return value

    def choice(self, name, options, *, default=None, required=False):
        value = self.text(name, default=default, required=required)
        if value is not default and value not in options:
            return self._bad(name, f"Must be one of: {', '.join(options)}.", default)
        return value

    def integer(self, name, *, default=None, required=False, minimum=None, maximum=None):
        value = self._get(name, default, required)
        if value is default:
            return default
        if self.text_numbers and isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 12:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            return self._bad(name, "Must be an integer.", default)
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            return self._bad(name, f"Must be between {minimum} and {maximum}.", default)
        return value

    def id(self, name, *, required=True):
        return self.integer(name, required=required, minimum=1, maximum=MAX_ID)

    def decimal(self, name, *, default=None, required=False):
        value = self._get(name, default, required)
        if value is default:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            return self._bad(name, "Must be a number.", default)
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return self._bad(name, "Must be a number.", default)
        if not number.is_finite() or abs(number) > 10**6:
            return self._bad(name, "Must be a finite number below a million.", default)
        return number

    def boolean(self, name, *, default=False):
        value = self._get(name, default, False)
        if not isinstance(value, bool):
            return self._bad(name, "Must be true or false.", default)
        return value

    def day(self, name, *, default=None, required=False):
        value = self.text(name, default=default, required=required, max_length=10)
        if value is default:
            return default
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            return self._bad(name, "Must be a date: YYYY-MM-DD.", default)
        if not 1900 <= parsed.year <= 2100:
            return self._bad(name, "Must be a date between 1900 and 2100.", default)
        return parsed

    def moment(self, name, *, default=None, required=False):
        """An instant: ISO-8601 date-time WITH an offset; a bare local time is ambiguous."""
        value = self.text(name, default=default, required=required, max_length=40)
        if value is default:
            return default
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
        except ValueError:
            return self._bad(name, "Must be an ISO-8601 date-time with offset, e.g. 2026-11-23T09:00:00-06:00.", default)
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            return self._bad(name, "Give the offset (e.g. -06:00 or Z): a time without one is ambiguous.", default)
        if not 1900 <= parsed.year <= 2100:
            return self._bad(name, "Must be between 1900 and 2100.", default)
        return parsed.astimezone(timezone.utc)

    def done(self) -> None:
        if self.errors:
            raise ApiError(422, "Some fields are not valid.", fields=self.errors)


def paging() -> tuple[int, int]:
    args = Fields.query()
    page = args.integer("page", default=1, minimum=1, maximum=10**6)
    per_page = args.integer("per_page", default=DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    args.done()
    return page, per_page


def page_of(items: list, total: int, page: int, per_page: int) -> dict:
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": max(1, math.ceil(total / per_page))}


def created(body: dict, status: int = 201):
    response = jsonify(body)
    response.status_code = status
    return response


def idempotent(create):
    """Run `create()` (which calls the operation and returns (status, body)) once per
    Idempotency-Key: a retry gets the first answer back. Without the header it just runs.
    Commits: this is the view's one unit of work."""
    session = get_session()
    key = request.headers.get("Idempotency-Key")
    if key is None:
        status, body = create()
        session.commit()
        return created(body, status)
    if not key or len(key) > idempotency.MAX_KEY_LENGTH:
        raise ApiError(400, f"Idempotency-Key must be 1 to {idempotency.MAX_KEY_LENGTH} characters.")
    print_ = idempotency.fingerprint(request.method, request.path, request.get_json(silent=True))
    user_id = current_user.id
    first = idempotency.stored_answer(session, user_id, key, print_)
    if first is not None:
        return _replay(first)
    try:
        row = idempotency.claim(session, user_id, key, print_, now=datetime.now(timezone.utc))
    except IntegrityError:
        # The same request is running (or just ran) in another transaction: use its answer.
        session.rollback()
        first = idempotency.stored_answer(session, user_id, key, print_)
        if first is None or first.response_status == 0:
            raise ApiError(409, "A request with this Idempotency-Key is still in progress; retry shortly.") from None
        return _replay(first)
    status, body = create()
    idempotency.remember(session, row, status, body)
    session.commit()
    return created(body, status)


def _replay(row):
    response = created(row.response_body, row.response_status)
    response.headers["Idempotent-Replayed"] = "true"
    return response
