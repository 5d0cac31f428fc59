"""The coordinator's start page: today's visits by nurse, orders to book, what went wrong."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations.access import record_list_read
from scheduler.operations.calendar import failed_reminders, overdue_lab_draws, week_grid
from scheduler.operations.labs import RECENT_FOLLOW_UP
from scheduler.operations.replan import visits_needing_replan
from scheduler.operations.todo import days_to_book, undocumented_visits
from scheduler.web.access import allow
from scheduler.web.helpers import agency_zone

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.route("/")
@allow("coordinator", "admin")
def today():
    db, now, zone = get_session(), utcnow(), agency_zone()
    day = now.astimezone(zone).date()
    # Today's visits a page of nurses at a time (300 nurses' day is some 1,000 visits).
    grid = week_grid(db, day, zone, days=1, nurse_page=request.args.get("nurses", default=1, type=int))
    to_book = days_to_book(db, today=day)
    undocumented = undocumented_visits(db, now=now)
    replan = visits_needing_replan(db, now=now)
    failed = failed_reminders(db)
    overdue = overdue_lab_draws(db, now=now)
    shown = (grid.patient_ids | {r.order.patient_id for r in to_book} | {v.patient_id for v in undocumented + replan}
             | {r.patient_id for r in failed} | {d.patient_id for d in overdue})
    record_list_read(db, current_user, object_type="dashboard", patient_ids=shown, now=now)
    db.commit()
    return render_template("dashboard/today.html", day=day, grid=grid, to_book=to_book, undocumented=undocumented, needs_replan=replan,
                           failed=failed, overdue=overdue, zone=zone, timedelta=timedelta,
                           follow_up_since=now - RECENT_FOLLOW_UP)
