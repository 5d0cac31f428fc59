"""The coordinator's start page: today's visits by nurse, orders to book, what went wrong."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations.access import record_list_read
from scheduler.operations.calendar import failed_reminders, overdue_lab_draws, week_grid
from scheduler.operations.orders import unbooked_orders
from scheduler.operations.replan import visits_needing_replan
from scheduler.web.access import allow
from scheduler.web.helpers import agency_zone

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.route("/")
@allow("coordinator", "admin")
def today():
    db, now, zone = get_session(), utcnow(), agency_zone()
    day = now.astimezone(zone).date()
    grid = week_grid(db, day, zone, days=1)
    orders = unbooked_orders(db)
    failed = failed_reminders(db)
    overdue = overdue_lab_draws(db, now=now)
    needs_replan = visits_needing_replan(db, now=now)
    shown = grid.patient_ids | {o.patient_id for o in orders} | {r.patient_id for r in failed} | {d.patient_id for d in overdue}
    shown |= {v.patient_id for v in needs_replan}
    record_list_read(db, current_user, object_type="dashboard", patient_ids=shown, now=now)
    db.commit()
    return render_template("dashboard/today.html", day=day, grid=grid, orders=orders, failed=failed,
                           overdue=overdue, zone=zone, timedelta=timedelta, needs_replan=needs_replan)
