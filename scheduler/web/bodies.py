"""Limits on what a request body may be, for every route at once (installed by security.py).

- Size: a body larger than MAX_REQUEST_BYTES (config MAX_CONTENT_LENGTH) is refused with 413
  before anything reads it: the API answers in its JSON error shape, a form gets a page
  that says what happened.
- JSON depth: every `request.get_json()` (the API's `Fields.body`, the Idempotency-Key
  fingerprint, any view added later) goes through the app's JSON provider, which
  refuses a document nested deeper than MAX_JSON_DEPTH with a 400 before parsing it. Python's
  recursive parser would otherwise fail with a RecursionError (a 500) around 1,000 levels.
"""

from __future__ import annotations

import re

from flask import Flask, abort, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

# Far deeper than any document of this API (3 levels); far below Python's recursion limit.
DEFAULT_MAX_JSON_DEPTH = 32
# JSON strings (whose brackets are text, not nesting), then the brackets that remain.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(rb"[\[\]{}]")


class JsonTooDeep(BadRequest):
    def __init__(self, limit: int):
        super().__init__(f"The JSON body is nested more than {limit} levels deep; send a flatter document.")


def json_depth_exceeds(data: bytes | str, limit: int) -> bool:
    raw = data.encode() if isinstance(data, str) else data
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub(b"", raw)):
        depth += 1 if bracket in b"[{" else -1
        if depth > limit:
            return True
    return False


class DepthLimitedJSONProvider(DefaultJSONProvider):
    """The app's JSON (Flask hands it to every request as `request.json_module`): the depth
    check runs before parsing. JsonTooDeep is not a ValueError, so even get_json(silent=True)
    answers 400."""

    def loads(self, s, **kwargs):
        limit = self._app.config.get("MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH)
        if json_depth_exceeds(s, limit):
            raise JsonTooDeep(limit)
        return super().loads(s, **kwargs)


def _refuse_large_body():
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    # Werkzeug also stops a chunked body without a length once it passes the limit.
    if limit is not None and request.content_length is not None and request.content_length > limit:
        abort(413)


def install(app: Flask) -> None:
    app.json = DepthLimitedJSONProvider(app)
    # First of all hooks: nothing (CSRF check, token check) should read a body it will refuse.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_large_body)
