"""Patients: identity, contact and reminder preferences, and what changes the infusion plan.

Weight is a history, not a field: a plan is computed from the weight of its day, and a new
measurement must not rewrite plans already made.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.clock import utcnow
from scheduler.db import Base, UTCDateTime
from scheduler.models._types import one_of

SEXES = ("female", "male")
CHANNELS = ("email", "sms", "both", "none")
IGA_STATUSES = ("unknown", "normal", "deficient", "deficient_with_antibodies")
# Where a place's coordinates came from (scheduler/geocoding.py says how each is shown).
COORDINATE_SOURCES = ("entered", "zip_centre", "geocoder")


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (
        one_of("sex", SEXES),
        one_of("preferred_channel", CHANNELS),
        one_of("iga_status", IGA_STATUSES),
        one_of("coordinates_source", COORDINATE_SOURCES),
        CheckConstraint("height_cm BETWEEN 40 AND 250", name="height_cm_range"),
        CheckConstraint("lat BETWEEN -90 AND 90", name="lat_range"),
        CheckConstraint("lon BETWEEN -180 AND 180", name="lon_range"),
        Index("ix_patients_last_first", "last_name", "first_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The agency's own id for the patient (its spreadsheet or previous system): a CSV import
    # matches on it, so importing the same file twice creates no duplicate.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The patient's own login for the portal; many patients never have one.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(10))
    height_cm: Mapped[float] = mapped_column(Numeric(5, 1, asdecimal=False))

    address_line: Mapped[str] = mapped_column(String(300))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2), default="", server_default="")
    postal_code: Mapped[str] = mapped_column(String(20))
    # Typed by nobody in the usual case: placed from the address by a geocoder.
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    coordinates_source: Mapped[str] = mapped_column(String(20), default="entered", server_default="entered")
    timezone: Mapped[str] = mapped_column(String(64))

    phone_e164: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    preferred_channel: Mapped[str] = mapped_column(String(10), default="none")
    # Consent is recorded per channel, with when it was given: a preference without
    # consent sends nothing.
    email_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sms_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    quiet_start: Mapped[time] = mapped_column(Time, default=time(21, 0))
    quiet_end: Mapped[time] = mapped_column(Time, default=time(8, 0))
    # Besides the evening-before reminder, one the morning of the visit (patient's choice).
    morning_reminder: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Hours the patient prefers visits to start in (local time); booking respects them.
    preferred_start: Mapped[time | None] = mapped_column(Time)
    preferred_end: Mapped[time | None] = mapped_column(Time)

    iga_status: Mapped[str] = mapped_column(String(30), default="unknown")
    # The date of the serum IgA result behind iga_status; None while it is unknown.
    iga_tested_on: Mapped[date | None] = mapped_column(Date)
    risk_renal: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_thrombotic: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_cardiac: Mapped[bool] = mapped_column(Boolean, default=False)
    allergies: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    weights: Mapped[list[PatientWeight]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", order_by="PatientWeight.measured_on"
    )

    @property
    def display_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    @property
    def at_risk(self) -> bool:
        """At risk of thrombosis or renal dysfunction: the label's lower maximum rate applies."""
        return self.risk_renal or self.risk_thrombotic or self.risk_cardiac

    @property
    def latest_weight(self) -> PatientWeight | None:
        return self.weights[-1] if self.weights else None


class PatientWeight(Base):
    __tablename__ = "patient_weights"
    __table_args__ = (
        CheckConstraint("weight_kg BETWEEN 1 AND 350", name="weight_kg_range"),
        UniqueConstraint("patient_id", "measured_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    weight_kg: Mapped[float] = mapped_column(Numeric(5, 1, asdecimal=False))
    measured_on: Mapped[date] = mapped_column(Date)

    patient: Mapped[Patient] = relationship(back_populates="weights")
