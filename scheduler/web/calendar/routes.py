"""The week calendar as a time grid: per day a lane per nurse, each visit as long as it
lasts with its drive before and after, cancelled visits struck through, today marked."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from scheduler.clock import utcnow
from scheduler.models import Patient
from scheduler.web.database import get_session
from scheduler.operations.absences import absences_by_day
from scheduler.operations.access import record_list_read
from scheduler.operations.calendar import week_grid
from scheduler.web.access import allow
from scheduler.web.charts.timegrid import build_week
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
    products = catalog().products
    product_id = request.args.get("product") or None
    if product_id not in products:
        product_id = None
    zones = sorted(db.scalars(select(Patient.timezone).distinct()))
    patient_zone = request.args.get("zone") or None
    if patient_zone not in zones:
        patient_zone = None
    # A page number that is not one (text, zero, past the end) shows the nearest page there is.
    nurse_page = request.args.get("nurses", default=1, type=int)
    grid = week_grid(db, monday, zone, nurse_id=nurse_id, product_id=product_id, include_cancelled=True,
                     patient_zone=patient_zone, nurse_page=nurse_page)
    record_list_read(db, current_user, object_type="calendar", patient_ids=grid.patient_ids, now=now,
                     details={"week": monday.isoformat()})
    db.commit()
    names = {pid: p.name for pid, p in products.items()}
    days = build_week(grid.days, grid.nurses, grid.cells, zone, now=now, product_names=lambda pid: names.get(pid, pid))
    absent = absences_by_day(db, grid.days, zone, nurse_id=nurse_id)  # issue 17: who is out that day
    return render_template("calendar/week.html", grid=grid, days=days, absent=absent, zone=zone, nurse_id=nurse_id,
                           product_id=product_id, zones=zones, patient_zone=patient_zone,
                           products=sorted(products.values(), key=lambda p: p.name),
                           all_nurses=nurses_by_name(db), timedelta=timedelta)
