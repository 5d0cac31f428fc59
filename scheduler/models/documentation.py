"""The infusion record of a visit: vitals, rate changes, reactions, lots used.

Rows are appended, never edited: once the record is signed, corrections are amendments.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.clock import utcnow
from scheduler.db import Base, UTCDateTime
from scheduler.models._types import one_of

VITALS_PHASES = ("baseline", "before_increase", "during", "end", "post_observation")
RATE_CHANGE_KINDS = ("start", "step_up", "slow_down", "pause", "resume", "stop")
REACTION_SEVERITIES = ("mild", "moderate", "severe")


class InfusionRecord(Base):
    __tablename__ = "infusion_records"
    __table_args__ = (
        CheckConstraint("ended_at IS NULL OR ended_at > started_at", name="ended_after_started"),
        CheckConstraint("total_volume_ml IS NULL OR total_volume_ml >= 0", name="volume_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total_volume_ml: Mapped[float | None] = mapped_column(Numeric(7, 1, asdecimal=False))
    observation_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    visit = relationship("Visit")


class VitalSigns(Base):
    __tablename__ = "vital_signs"
    __table_args__ = (
        one_of("phase", VITALS_PHASES),
        CheckConstraint("systolic_mmhg IS NULL OR systolic_mmhg BETWEEN 40 AND 300", name="systolic_range"),
        CheckConstraint("diastolic_mmhg IS NULL OR diastolic_mmhg BETWEEN 20 AND 200", name="diastolic_range"),
        CheckConstraint("pulse_bpm IS NULL OR pulse_bpm BETWEEN 20 AND 250", name="pulse_range"),
        CheckConstraint("temperature_c IS NULL OR temperature_c BETWEEN 30 AND 45", name="temperature_range"),
        CheckConstraint("respiratory_rate IS NULL OR respiratory_rate BETWEEN 4 AND 80", name="resp_range"),
        CheckConstraint("spo2_pct IS NULL OR spo2_pct BETWEEN 50 AND 100", name="spo2_range"),
        Index("ix_vital_signs_visit_taken", "visit_id", "taken_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    phase: Mapped[str] = mapped_column(String(20))
    systolic_mmhg: Mapped[int | None] = mapped_column(Integer)
    diastolic_mmhg: Mapped[int | None] = mapped_column(Integer)
    pulse_bpm: Mapped[int | None] = mapped_column(Integer)
    temperature_c: Mapped[float | None] = mapped_column(Numeric(4, 1, asdecimal=False))
    respiratory_rate: Mapped[int | None] = mapped_column(Integer)
    spo2_pct: Mapped[int | None] = mapped_column(Integer)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class RateChange(Base):
    __tablename__ = "rate_changes"
    __table_args__ = (
        one_of("kind", RATE_CHANGE_KINDS),
        CheckConstraint("rate_ml_per_hr >= 0", name="rate_not_negative"),
        Index("ix_rate_changes_visit_at", "visit_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(12))
    rate_ml_per_hr: Mapped[float] = mapped_column(Numeric(6, 1, asdecimal=False))
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Reaction(Base):
    __tablename__ = "reactions"
    __table_args__ = (one_of("severity", REACTION_SEVERITIES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reaction_type: Mapped[str] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(10))
    action_taken: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class LotUsage(Base):
    __tablename__ = "lot_usages"
    __table_args__ = (
        CheckConstraint("vials_used >= 1", name="vials_used_positive"),
        CheckConstraint("waste_ml >= 0", name="waste_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("vial_lots.id"))
    vials_used: Mapped[int] = mapped_column(Integer)
    waste_ml: Mapped[float] = mapped_column(Float, default=0.0)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    lot = relationship("VialLot")


class Amendment(Base):
    """A correction to a signed record: what was wrong, what is right, who and when."""

    __tablename__ = "record_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(30), default="correction")
