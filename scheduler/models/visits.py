"""Infusion visits: one nurse, one patient, one day of a therapy order.

A visit keeps the plan it was booked with (catalog version and the computed plan), so a
later catalog or weight change never silently alters what the nurse will infuse.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import JSON, CheckConstraint, ColumnElement, ForeignKey, Index, Integer, String, Text, and_, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.clock import utcnow
from scheduler.db import Base, UTCDateTime
from scheduler.models._types import one_of

# The partial index's predicate; queries for marked visits use this same text so both
# SQLite and PostgreSQL can use the index.
NEEDS_REPLAN_SQL = "needs_replan_reason != ''"
VISIT_STATUSES = ("booked", "in_progress", "completed", "cancelled")
ACTIVE_VISIT_STATUSES = ("booked", "in_progress", "completed")


class Visit(Base):
    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint("day_number >= 1", name="day_number_positive"),
        CheckConstraint("travel_before_min >= 0 AND travel_after_min >= 0", name="travel_not_negative"),
        one_of("status", VISIT_STATUSES),
        Index("ix_visits_nurse_starts", "nurse_id", "starts_at"),
        Index("ix_visits_patient_starts", "patient_id", "starts_at"),
        Index("ix_visits_order_day", "order_id", "day_number"),
        # Windows over every nurse (calendar, dashboard); see `overlapping` below.
        Index("ix_visits_starts", "starts_at"),
        # Past visits still booked or in progress (the dashboard's undocumented visits): the
        # few open ones, not every visit that ever ended.
        Index("ix_visits_status_ends", "status", "ends_at"),
        # Only the visits marked "needs re-plan" (issue 14): the dashboard list stays flat with history.
        Index("ix_visits_needs_replan", "starts_at", sqlite_where=text(NEEDS_REPLAN_SQL),
              postgresql_where=text(NEEDS_REPLAN_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("therapy_orders.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    nurse_id: Mapped[int] = mapped_column(ForeignKey("nurses.id"))
    day_number: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Driving time from the nurse's previous stop and to her next, as estimated at booking.
    travel_before_min: Mapped[int] = mapped_column(Integer, default=0)
    travel_after_min: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="booked")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    # When it was cancelled: a cancellation can be undone the same (local) day.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    catalog_version: Mapped[str] = mapped_column(String(64))
    plan: Mapped[dict] = mapped_column(JSON)
    # Why the stored plan no longer holds for the patient as he now is ("" when it holds):
    # set by the live re-check after a patient change; start is refused until re-planned.
    needs_replan_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Optimistic version: bumped by every change, so reminders and calendar entries that
    # were derived from an older version can be recognised.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order = relationship("TherapyOrder", back_populates="visits")
    patient = relationship("Patient")
    nurse = relationship("Nurse")


# A visit lasts less than a day: the database refuses longer ones (migration
# 0100_i20_bounded_intervals), and that is what lets an interval lookup bound both ends.
MAX_VISIT_DURATION = timedelta(hours=24)


def ending_after(instant: datetime) -> ColumnElement[bool]:
    """Visits not over by `instant` (from then on, with no end): bounded like `overlapping`."""
    return and_(Visit.ends_at > instant, Visit.starts_at > instant - MAX_VISIT_DURATION)


def overlapping(start: datetime, end: datetime) -> ColumnElement[bool]:
    """Visits overlapping [start, end), bounded on both sides of starts_at.

    `starts_at < end AND ends_at > start` alone lets an index on starts_at bound only the
    upper end, so the scan reads every earlier visit; no visit overlapping `start` began
    a full MAX_VISIT_DURATION before it, so the lookup reads the window and a day."""
    return and_(Visit.starts_at < end, Visit.starts_at > start - MAX_VISIT_DURATION, Visit.ends_at > start)
