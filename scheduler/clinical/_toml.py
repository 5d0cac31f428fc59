"""Reading TOML tables with errors that name the file, the product and the field.

Shared by the product catalog and the protocol loader, so both refuse bad data the same way:
unknown keys are errors (a misspelt ``max_rate`` must not be silently ignored) and numbers
become ``Decimal`` so the arithmetic downstream is exact.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from scheduler.clinical.errors import CatalogError


def read_toml(path: Path) -> tuple[bytes, dict[str, Any]]:
    """The file's bytes (for the catalog version) and its parsed content."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogError(str(path), f"cannot be read ({exc.strerror or exc})") from exc
    try:
        return raw, tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(str(path), f"is not valid TOML: {exc}") from exc


class Table:
    """One TOML table, read field by field; every complaint says where it is."""

    def __init__(self, data: Any, path: Path, *, product: str | None = None, prefix: str = "") -> None:
        self.path = path
        self.product = product
        self.prefix = prefix
        if not isinstance(data, dict):
            raise self.error(None, "must be a table")
        self.data = data

    def name(self, key: str | None) -> str | None:
        if key is None:
            return self.prefix.rstrip(".") or None
        return f"{self.prefix}{key}"

    def error(self, key: str | None, problem: str) -> CatalogError:
        return CatalogError(str(self.path), problem, product=self.product, field=self.name(key))

    def only(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.error(key, f"unknown field (allowed: {', '.join(sorted(allowed))})")

    def has(self, key: str) -> bool:
        return key in self.data

    def sub(self, key: str, *, product: str | None = None) -> Table:
        if key not in self.data:
            raise self.error(key, "is missing")
        return Table(self.data[key], self.path, product=product or self.product, prefix=f"{self.prefix}{key}.")

    def text(self, key: str, *, required: bool = True) -> str | None:
        if key not in self.data:
            if required:
                raise self.error(key, "is missing")
            return None
        value = self.data[key]
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"must be non-empty text, got {value!r}")
        return value

    def boolean(self, key: str) -> bool:
        value = self.data.get(key)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, got {value!r}")
        return value

    def number(self, key: str, *, required: bool = True, whole: bool = False) -> Decimal | None:
        """A number greater than zero; ``whole`` for minutes and day counts."""
        if key not in self.data:
            if required:
                raise self.error(key, "is missing")
            return None
        return to_positive_decimal(self.data[key], whole=whole, fail=lambda p: self.error(key, p))


def to_positive_decimal(value: Any, *, whole: bool, fail) -> Decimal:
    # bool is an int in Python: `true` must not pass for 1.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(f"must be a number, got {value!r}")
    number = Decimal(str(value))
    if not number.is_finite() or number <= 0:
        raise fail(f"must be greater than zero, got {value!r}")
    if whole and number != number.to_integral_value():
        raise fail(f"must be a whole number, got {value!r}")
    return number
