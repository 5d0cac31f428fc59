"""Ids in URLs and query strings are database integers: anything a 32-bit integer column
cannot hold is simply no such object (404), instead of a PostgreSQL error (500) or, on
SQLite, an OverflowError."""

from __future__ import annotations

from werkzeug.routing import BaseConverter

# The URL pattern itself stops at nine digits: an int(max=...) converter refusing a value
# on a path with two methods makes Werkzeug answer 405 instead of 404.
MAX_DB_ID = 999_999_999


class IdConverter(BaseConverter):
    """`<int:visit_id>` everywhere (the app registers it as "int"): 1 to MAX_DB_ID."""

    regex = r"[1-9][0-9]{0,8}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


def id_arg(args, name: str) -> int | None:
    """An optional ?name=<id> query argument; anything that is not a possible id is None."""
    value = args.get(name, type=int)
    return value if value is not None and 1 <= value <= MAX_DB_ID else None
