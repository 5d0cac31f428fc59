"""The sourced catalog in service: the products table kept in step with it, and the
organisation's protocol file installed and reloaded safely."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import Product, VialSize


def sync_products(session: Session, catalog) -> list[Product]:
    """Insert or update one row per catalog product, with its confirmed vial sizes; a row
    whose product has left the catalog stays (orders, visits and lots name it) but is marked
    not orderable. Idempotent: a second run changes nothing.

    Vial sizes no longer in the catalog are removed only when no lot uses them; the lot's
    foreign key is on the product, so stock on hand is never deleted here.
    """
    rows = []
    for product in catalog.products.values():
        row = session.get(Product, product.product_id)
        if row is None:
            row = Product(id=product.product_id)
            session.add(row)
        row.name = product.name
        row.manufacturer = product.manufacturer
        row.orderable = True
        wanted = {float(size) for size in (product.vial_sizes_g.value if product.vial_sizes_g else ())}
        have = {size.size_g for size in row.vial_sizes}
        kept = [s for s in row.vial_sizes if s.size_g in wanted]
        if len(kept) != len(row.vial_sizes) or wanted - have:
            row.vial_sizes = kept + [VialSize(size_g=size) for size in sorted(wanted - have)]
        rows.append(row)
    for row in session.scalars(select(Product).where(Product.id.not_in(list(catalog.products)))):
        row.orderable = False
    session.flush()
    return rows


class CatalogSource:
    """The catalog every process plans with, reloaded when the organisation's protocol file
    changes on disk, so installing a new protocol reaches every web worker and the reminder
    worker without a restart. A booked visit keeps the plan it was booked with, so a reload
    never changes one.

    A file that fails validation after an install (edited by hand, half-copied) keeps the
    previous catalog in service and remembers the error for the admin page.
    """

    def __init__(self, protocol_path: str | None):
        from scheduler.clinical import load_catalog

        self._load = load_catalog
        self.protocol_path = protocol_path
        self._stamp = self._file_stamp()
        self._catalog = load_catalog(self._existing_path())  # a bad file at start-up stops start-up
        self.last_error: str | None = None

    def _existing_path(self) -> str | None:
        return self.protocol_path if self.protocol_path and os.path.exists(self.protocol_path) else None

    def _file_stamp(self):
        try:
            stat = os.stat(self.protocol_path) if self.protocol_path else None
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size) if stat else None

    def get(self):
        from scheduler.clinical import CatalogError

        stamp = self._file_stamp()
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._catalog = self._load(self._existing_path())
                self.last_error = None
            except CatalogError as exc:
                self.last_error = str(exc)
        return self._catalog


def install_protocol(source_path: str, target_path: str) -> None:
    """Validate a protocol file, then put it in place atomically (rename), so no process
    ever reads a half-written file."""
    from scheduler.clinical import load_catalog

    load_catalog(source_path)  # raises CatalogError naming the file, product and field
    target = Path(target_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=target.parent, delete=False, suffix=".tmp") as tmp:
        tmp.write(Path(source_path).read_bytes())
    os.replace(tmp.name, target)
