"""Errors of the clinical core.

Three kinds, because callers treat them differently:

- ``InvalidPlanInput``: the request itself is wrong (unknown product, a weight of 0 kg).
  A form shows it next to the field; the CLI exits with status 2.
- ``ClinicalRuleViolation``: the request is well formed but planning it would break a
  clinical rule (IgA contraindication, values the label does not confirm). It carries a
  stable ``code``; the CLI exits with status 3.
- ``CatalogError``: the product data or an organisation's protocol file is malformed. The
  message names the file, the product, the field and what is wrong, so an admin can fix it.
"""

from __future__ import annotations


class InvalidPlanInput(ValueError):
    """The plan request is not acceptable as input."""


class UnknownProduct(InvalidPlanInput):
    """No product with this id in the catalog."""


class ClinicalRuleViolation(Exception):
    """A hard stop: planning would break a clinical rule."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class StockShortage(ClinicalRuleViolation):
    """Usable (unexpired) stock cannot cover a day's dose."""

    def __init__(self, message: str) -> None:
        super().__init__("stock_shortage", message)


class CatalogError(ValueError):
    """Product data or protocol file refused on load."""

    def __init__(self, path: str, problem: str, *, product: str | None = None, field: str | None = None) -> None:
        self.path = path
        self.product = product
        self.field = field
        self.problem = problem
        where = [path]
        if product:
            where.append(f"product '{product}'")
        if field:
            where.append(f"field '{field}'")
        super().__init__(f"{', '.join(where)}: {problem}")


class RampInvariantError(AssertionError):
    """The final safety check of a computed ramp failed: a bug, never shown as a plan."""
