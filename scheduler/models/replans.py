"""Re-plan proposals: what the solver proposed for the visits of an absent nurse (or a
better order for one nurse's day), kept so the coordinator can review and apply it.

The proposal is stored as it was computed (JSON rows, each with the visit's version at
that moment) and never recomputed behind the coordinator's back: applying compares each
row's version with the visit's and refuses a stale proposal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import Base, UTCDateTime
from scheduler.models._types import one_of

REPLAN_KINDS = ("absence", "route")
REPLAN_STATUSES = ("proposed", "applied")


class Replan(Base):
    __tablename__ = "replans"
    __table_args__ = (
        one_of("kind", REPLAN_KINDS),
        one_of("status", REPLAN_STATUSES),
        Index("ix_replans_nurse_created", "nurse_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    # The absent nurse (kind absence) or the nurse whose day is re-ordered (kind route).
    nurse_id: Mapped[int] = mapped_column(ForeignKey("nurses.id", ondelete="CASCADE"))
    absence_id: Mapped[int | None] = mapped_column(ForeignKey("nurse_absences.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="proposed")
    # {"rows": [...], "unplaced": [...], "solver": {...}}: see scheduler/operations/replans.py.
    result: Mapped[dict] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    nurse = relationship("Nurse")
    absence = relationship("Absence", backref="replans")
