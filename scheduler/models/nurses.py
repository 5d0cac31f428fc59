"""Nurses: home base, weekly working hours and absences (sick, leave, training)."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, SmallInteger, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from scheduler.db import Base, UTCDateTime
from scheduler.models._types import one_of
from scheduler.models.patients import COORDINATE_SOURCES


class Nurse(Base):
    __tablename__ = "nurses"
    __table_args__ = (
        CheckConstraint("home_lat BETWEEN -90 AND 90", name="home_lat_range"),
        CheckConstraint("home_lon BETWEEN -180 AND 180", name="home_lon_range"),
        CheckConstraint("max_visits_per_day BETWEEN 1 AND 6", name="max_visits_range"),
        one_of("home_coordinates_source", COORDINATE_SOURCES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone_e164: Mapped[str] = mapped_column(String(20))
    # Working hours are wall-clock times in this zone.
    timezone: Mapped[str] = mapped_column(String(64))
    home_address: Mapped[str] = mapped_column(String(300))  # the street line (older rows: the whole address)
    home_city: Mapped[str] = mapped_column(String(100), default="", server_default="")
    home_state: Mapped[str] = mapped_column(String(2), default="", server_default="")
    home_postal_code: Mapped[str] = mapped_column(String(20), default="", server_default="")
    home_lat: Mapped[float] = mapped_column(Float)
    home_lon: Mapped[float] = mapped_column(Float)
    home_coordinates_source: Mapped[str] = mapped_column(String(20), default="entered", server_default="entered")
    max_visits_per_day: Mapped[int] = mapped_column(SmallInteger, default=2)

    user = relationship("User")
    working_hours: Mapped[list[WorkingHours]] = relationship(
        back_populates="nurse", cascade="all, delete-orphan", order_by="WorkingHours.weekday"
    )
    absences: Mapped[list[Absence]] = relationship(back_populates="nurse", cascade="all, delete-orphan")
    # The older name of the same rows: booking code and other branches read `time_off`.
    time_off = synonym("absences")

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class WorkingHours(Base):
    """One working block on one weekday (0 = Monday), local time of the nurse."""

    __tablename__ = "nurse_working_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("end_time > start_time", name="end_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nurse_id: Mapped[int] = mapped_column(ForeignKey("nurses.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)

    nurse: Mapped[Nurse] = relationship(back_populates="working_hours")


ABSENCE_KINDS = ("sick", "leave", "training")


class Absence(Base):
    """A stretch of time the nurse does not work: what used to be "time off", with its kind.

    Visits already booked inside it stay booked (a sick call must not lose them) until a
    re-plan moves them; the booking rules refuse any new visit in it.
    """

    __tablename__ = "nurse_absences"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        one_of("kind", ABSENCE_KINDS),
        Index("ix_nurse_absences_nurse_starts", "nurse_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nurse_id: Mapped[int] = mapped_column(ForeignKey("nurses.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(12), default="leave")
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    nurse: Mapped[Nurse] = relationship(back_populates="absences")


# Time off is an absence of kind "leave" (migration 0100_i17_absences_and_replans).
TimeOff = Absence
