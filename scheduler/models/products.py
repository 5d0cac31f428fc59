"""Products and vial stock.

The clinical values of a product (concentration, rates, regimens) live only in
scheduler/data/products.toml with their sources; this table mirrors its identity and vial
sizes so orders and lots can reference them, and never holds a second copy of a rate.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import Base


class Product(Base):
    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    manufacturer: Mapped[str] = mapped_column(String(200), default="")
    # False once the product has left the catalog in service: its row stays for the orders,
    # visits and lots that name it, but no new order may use it.
    orderable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    vial_sizes: Mapped[list[VialSize]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="VialSize.size_g"
    )


class VialSize(Base):
    __tablename__ = "product_vial_sizes"
    __table_args__ = (
        CheckConstraint("size_g > 0", name="size_g_positive"),
        UniqueConstraint("product_id", "size_g"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    size_g: Mapped[float] = mapped_column(Numeric(5, 1, asdecimal=False))

    product: Mapped[Product] = relationship(back_populates="vial_sizes")


class VialLot(Base):
    __tablename__ = "vial_lots"
    __table_args__ = (
        CheckConstraint("size_g > 0", name="size_g_positive"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        UniqueConstraint("product_id", "lot_number", "size_g"),
        Index("ix_vial_lots_product_expiry", "product_id", "expiry_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    lot_number: Mapped[str] = mapped_column(String(40))
    size_g: Mapped[float] = mapped_column(Numeric(5, 1, asdecimal=False))
    expiry_date: Mapped[date] = mapped_column(Date)
    quantity: Mapped[int] = mapped_column(Integer)

    product: Mapped[Product] = relationship()
