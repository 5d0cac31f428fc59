"""The week calendar: nurses x days, each visit with its drive before and after."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations.absences import absences_by_day
from scheduler.operations.access import record_list_read
from scheduler.operations.calendar import week_grid
from scheduler.web.access import allow
from scheduler.web.helpers import agency_zone, catalog, nurses_by_name, parse_date_arg
from scheduler.web.converters import id_arg

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


@bp.route("/")
@allow("coordinator", "admin")
def week():
    db, now, zone = get_session(), utcnow(), agency_zone()
    day = parse_date_arg(request.args.get("week"), now.astimezone(zone).date())
    monday = day - timedelta(days=day.weekday())
    nurse_id = id_arg(request.args, "nurse")
    product_id = request.args.get("product") or None
    if product_id not in catalog().products:
        product_id = None
    grid = week_grid(db, monday, zone, nurse_id=nurse_id, product_id=product_id)
    record_list_read(db, current_user, object_type="calendar", patient_ids=grid.patient_ids, now=now,
                     details={"week": monday.isoformat()})
    db.commit()
    absent = absences_by_day(db, grid.days, zone, nurse_id=nurse_id)  # issue 17: who is out, in her row
    return render_template("calendar/week.html", grid=grid, absent=absent, zone=zone, nurse_id=nurse_id, product_id=product_id,
                           products=sorted(catalog().products.values(), key=lambda p: p.name),
                           all_nurses=nurses_by_name(db), timedelta=timedelta)
