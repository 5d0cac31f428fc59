"""Follow-up lab draws (platelet count after IVIG for ITP) and their results."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.clock import utcnow
from scheduler.db import Base, UTCDateTime
from scheduler.models._types import one_of

LAB_DRAW_STATUSES = ("scheduled", "done", "cancelled")


class LabDraw(Base):
    __tablename__ = "lab_draws"
    __table_args__ = (
        one_of("status", LAB_DRAW_STATUSES),
        UniqueConstraint("visit_id", "offset_hours"),
        Index("ix_lab_draws_patient_due", "patient_id", "due_at"),
        Index("ix_lab_draws_status_due", "status", "due_at"),
        Index("ix_lab_draws_awaiting_result", "awaiting_result_since"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    # The completed visit (the last day of the course) the follow-up counts from.
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"))
    test: Mapped[str] = mapped_column(String(40), default="platelet_count")
    offset_hours: Mapped[int] = mapped_column()
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the draw is done without its result, cleared when the result comes: the
    # dashboard finds results to chase through its index, not by checking every draw
    # ever done for a result.
    awaiting_result_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    patient = relationship("Patient")
    visit = relationship("Visit")
    result: Mapped[LabResult | None] = relationship(back_populates="draw", uselist=False)


class LabResult(Base):
    __tablename__ = "lab_results"
    __table_args__ = (CheckConstraint("value >= 0", name="value_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lab_draw_id: Mapped[int] = mapped_column(ForeignKey("lab_draws.id"), unique=True)
    # Platelets in 10^9/L (equal to 10^3/uL).
    value: Mapped[float] = mapped_column(Numeric(7, 1, asdecimal=False))
    unit: Mapped[str] = mapped_column(String(20), default="10^9/L")
    resulted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    draw: Mapped[LabDraw] = relationship(back_populates="result")
