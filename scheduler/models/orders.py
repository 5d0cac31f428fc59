"""Therapy orders: what the prescriber ordered, from which the visits are planned."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.clock import utcnow
from scheduler.db import Base, UTCDateTime
from scheduler.models._types import one_of

WEIGHT_POLICIES = ("actual", "adjusted")
ORDER_STATUSES = ("active", "completed", "cancelled")
# Where the follow-up blood is taken: the patient goes to a lab, or a nurse draws it at home.
DRAW_PLACES = ("lab", "home")
# Platelet count follow-up after the infusion ends, in hours: 24 h, 48 h, 72 h and day 7
# (ivig-reference.md section 4, post-IVIG monitoring).
DEFAULT_LAB_FOLLOW_UP_HOURS = [24, 48, 72, 168]


class TherapyOrder(Base):
    __tablename__ = "therapy_orders"
    __table_args__ = (
        CheckConstraint("dose_g_per_kg > 0", name="dose_positive"),
        CheckConstraint("days BETWEEN 1 AND 10", name="days_range"),
        CheckConstraint("window_days BETWEEN 0 AND 14", name="window_days_range"),
        CheckConstraint("rounding_g IS NULL OR rounding_g > 0", name="rounding_positive"),
        one_of("weight_policy", WEIGHT_POLICIES),
        one_of("status", ORDER_STATUSES),
        CheckConstraint("day2_decision IS NULL OR day2_decision IN ('give', 'withhold')", name="day2_decision_valid"),
        CheckConstraint("day2_platelet_threshold IS NULL OR day2_platelet_threshold BETWEEN 1 AND 1000",
                        name="day2_threshold_range"),
        one_of("draw_place", DRAW_PLACES),
        Index("ix_therapy_orders_patient", "patient_id", "earliest_start"),
        # Active orders in date order (the to-do lists); completed courses leave "active".
        Index("ix_therapy_orders_status_start", "status", "earliest_start"),
        # The orders list over several stored states ("All", "Completed"): newest first, read
        # backwards to the page's limit instead of sorting every order of the agency's years.
        Index("ix_therapy_orders_start", "earliest_start", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    indication: Mapped[str] = mapped_column(String(20))
    dose_g_per_kg: Mapped[float] = mapped_column(Numeric(5, 3, asdecimal=False))
    days: Mapped[int] = mapped_column(Integer)
    weight_policy: Mapped[str] = mapped_column(String(10), default="actual")
    # NULL: exact dose; otherwise round the daily dose to a multiple of this many grams.
    rounding_g: Mapped[float | None] = mapped_column(Numeric(5, 1, asdecimal=False))
    premedication: Mapped[str] = mapped_column(Text, default="")
    first_infusion: Mapped[bool] = mapped_column(Boolean, default=False)
    product_switch: Mapped[bool] = mapped_column(Boolean, default=False)
    earliest_start: Mapped[date] = mapped_column(Date)
    window_days: Mapped[int] = mapped_column(Integer, default=4)
    lab_follow_up_hours: Mapped[list[int]] = mapped_column(JSON, default=lambda: list(DEFAULT_LAB_FOLLOW_UP_HOURS))
    prescriber: Mapped[str] = mapped_column(String(200), default="")
    # "cancelled" is how a discontinued order is stored; pages say "discontinued".
    draw_place: Mapped[str] = mapped_column(String(10), default="lab", server_default="lab")
    status: Mapped[str] = mapped_column(String(12), default="active")
    # A prescriber's reason to go outside the label (a child on an adults-only indication, a
    # course above the labelled total or longer than any labelled regimen); "" when none.
    prescriber_override_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The coordinator's reason to book a day longer than the session limit instead of splitting it.
    long_session_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A clinician's acknowledgement that the first infusion goes ahead without a known IgA result.
    iga_ack_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    iga_ack_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    iga_ack_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "Platelet check before day 2": a draw after day 1 and the coordinator's give/withhold decision.
    day2_platelet_threshold: Mapped[int | None] = mapped_column(Integer)
    day2_decision: Mapped[str | None] = mapped_column(String(10))
    day2_decision_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    day2_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    day2_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discontinue_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    discontinued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    patient = relationship("Patient")
    product = relationship("Product")
    visits = relationship("Visit", back_populates="order", order_by="Visit.day_number")
