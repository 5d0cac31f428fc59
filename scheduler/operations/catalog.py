"""Keep the products table in step with the sourced catalog file."""

from __future__ import annotations

from sqlalchemy.orm import Session

from scheduler.models import Product, VialSize


def sync_products(session: Session, catalog) -> list[Product]:
    """Insert or update one row per catalog product, with its confirmed vial sizes.

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
        wanted = {float(size) for size in (product.vial_sizes_g.value if product.vial_sizes_g else ())}
        have = {size.size_g for size in row.vial_sizes}
        row.vial_sizes = [s for s in row.vial_sizes if s.size_g in wanted] + [
            VialSize(size_g=size) for size in sorted(wanted - have)
        ]
        rows.append(row)
    session.flush()
    return rows
