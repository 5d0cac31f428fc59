"""The agency (home-infusion pharmacy) and its organisation settings.

One row. Settings that later features read (travel estimate, session lengths) live here so
an administrator changes them without a deploy.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.db import Base


class Agency(Base):
    __tablename__ = "agencies"
    __table_args__ = (
        CheckConstraint("road_factor >= 1 AND road_factor <= 3", name="road_factor_range"),
        CheckConstraint("average_speed_kmh > 0 AND average_speed_kmh <= 130", name="speed_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    phone_e164: Mapped[str] = mapped_column(String(20))
    # Great-circle distance x road factor / average speed estimates driving time.
    road_factor: Mapped[float] = mapped_column(Float, default=1.3)
    average_speed_kmh: Mapped[float] = mapped_column(Float, default=50.0)
