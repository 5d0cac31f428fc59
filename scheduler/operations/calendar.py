"""Read models for the coordinator's week calendar and today dashboard."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from scheduler.models import Nurse, Patient, TherapyOrder, Visit
from scheduler.models.visits import ACTIVE_VISIT_STATUSES, VISIT_STATUSES, overlapping


# Lanes on one calendar page. A week of 300 nurses is some 6,000 visits nobody can read at once
# (and 0.7 s to draw); an agency of this many nurses or fewer still sees everyone on one page.
NURSES_PER_PAGE = 30


@dataclass(frozen=True)
class NursePage:
    """Which slice of the nurses (by name) a calendar page shows."""

    number: int
    pages: int
    total: int
    first: int  # 1-based position of the first nurse shown, 0 when there is none
    last: int


@dataclass(frozen=True)
class WeekGrid:
    monday: date
    days: list[date]
    nurses: list[Nurse]
    cells: dict[tuple[int, date], list[Visit]]  # (nurse id, local date) -> visits in order
    nurse_page: NursePage | None = None  # None: not paged (one nurse's week, or every nurse when not asked)

    @property
    def patient_ids(self) -> set[int]:
        return {v.patient_id for visits in self.cells.values() for v in visits}


def week_grid(session: Session, monday: date, zone: ZoneInfo, *, nurse_id: int | None = None,
              product_id: str | None = None, days: int = 7, include_cancelled: bool = False,
              patient_zone: str | None = None, nurse_page: int | None = None,
              per_page: int = NURSES_PER_PAGE) -> WeekGrid:
    """The visits of `days` days from `monday`, per nurse and local day. With `nurse_page`
    (1-based, clamped to the pages there are) only that slice of the nurses by name and their
    visits are read, so the cost follows the page, not the size of the agency."""
    start = datetime.combine(monday, time(0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=days), time(0), tzinfo=zone)
    nurses_query = select(Nurse).order_by(Nurse.last_name, Nurse.first_name)
    visits_query = (
        select(Visit)
        .options(selectinload(Visit.patient), selectinload(Visit.order))
        .where(overlapping(start, end),
               Visit.status.in_(VISIT_STATUSES if include_cancelled else ACTIVE_VISIT_STATUSES))
        .order_by(Visit.starts_at)
    )
    page = None
    if nurse_id is not None:
        nurses_query = nurses_query.where(Nurse.id == nurse_id)
        visits_query = visits_query.where(Visit.nurse_id == nurse_id)
    elif nurse_page is not None:
        total = session.scalar(select(func.count(Nurse.id))) or 0
        pages = max(1, -(-total // per_page))
        number = min(max(1, nurse_page), pages)
        offset = (number - 1) * per_page
        nurses_query = nurses_query.order_by(Nurse.id).offset(offset).limit(per_page)
        shown = list(session.scalars(nurses_query))
        page = NursePage(number, pages, total, offset + 1 if shown else 0, offset + len(shown))
        visits_query = visits_query.where(Visit.nurse_id.in_([n.id for n in shown]))
    if product_id:
        visits_query = visits_query.join(TherapyOrder, TherapyOrder.id == Visit.order_id).where(TherapyOrder.product_id == product_id)
    if patient_zone:
        visits_query = visits_query.join(Patient, Patient.id == Visit.patient_id).where(Patient.timezone == patient_zone)
    cells: dict[tuple[int, date], list[Visit]] = defaultdict(list)
    for visit in session.scalars(visits_query):
        cells[(visit.nurse_id, visit.starts_at.astimezone(zone).date())].append(visit)
    nurses = shown if page is not None else list(session.scalars(nurses_query))
    return WeekGrid(monday, [monday + timedelta(days=i) for i in range(days)], nurses, dict(cells), page)


def failed_reminders(session: Session) -> list:
    """Reminders that ran out of attempts: the coordinator must reach these patients."""
    from scheduler.models import Reminder

    return list(session.scalars(select(Reminder).options(selectinload(Reminder.patient))
                                .where(Reminder.status == "failed").order_by(Reminder.due_at)))


# A drawn sample's platelet count is normally back the same day; after this the coordinator chases it.
RESULT_EXPECTED_WITHIN = timedelta(hours=24)


def overdue_lab_draws(session: Session, *, now: datetime) -> list:
    """Draws past their time and not confirmed drawn, and draws done whose result has not
    come in within RESULT_EXPECTED_WITHIN."""
    from scheduler.models import LabDraw, LabResult

    no_result = ~select(LabResult.id).where(LabResult.lab_draw_id == LabDraw.id).exists()
    late = ((LabDraw.status == "scheduled") & (LabDraw.due_at < now)) | (
        (LabDraw.status == "done") & (LabDraw.awaiting_result_since < now - RESULT_EXPECTED_WITHIN) & no_result)
    return list(session.scalars(select(LabDraw).options(selectinload(LabDraw.patient))
                                .where(late).order_by(LabDraw.due_at)))
