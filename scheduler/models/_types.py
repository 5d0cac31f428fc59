"""Small column helpers shared by the model files."""

from __future__ import annotations

from sqlalchemy import CheckConstraint


def one_of(column: str, values: tuple[str, ...], name: str | None = None) -> CheckConstraint:
    """A named CHECK that a text column holds one of a fixed set of values.

    Plain strings with a CHECK instead of SQL ENUM: the same DDL on SQLite and PostgreSQL,
    and a new value is a one-line migration instead of an ALTER TYPE.
    """
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")
