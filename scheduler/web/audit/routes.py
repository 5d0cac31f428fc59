"""Admin: the audit log, filtered on screen and exported as CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations import audit
from scheduler.web.access import allow
from scheduler.web.audit.forms import AuditFilterForm

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

PAGE_ROWS = 200
CSV_COLUMNS = ("id", "at", "actor_user_id", "actor_role", "action", "object_type", "object_id",
               "patient_id", "source_ip", "request_id", "details", "row_hash")


def _filtered_query(form: AuditFilterForm):
    zone = ZoneInfo(current_app.config["AGENCY_TIMEZONE"])

    def start_of(day):
        return datetime.combine(day, time(0), tzinfo=zone) if day else None

    return audit.search(
        patient_id=form.patient_id.data,
        actor_user_id=form.actor_user_id.data,
        action=form.action.data or None,
        since=start_of(form.date_from.data),
        until=start_of(form.date_to.data + timedelta(days=1)) if form.date_to.data else None,
    )


@bp.route("/")
@allow("admin")
def index():
    form = AuditFilterForm(request.args)
    events, total = [], 0
    if form.validate():
        db = get_session()
        query = _filtered_query(form)
        total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        events = db.scalars(query.limit(PAGE_ROWS)).all()
    return render_template("audit/index.html", form=form, events=events, total=total, page_rows=PAGE_ROWS)


@bp.route("/export.csv")
@allow("admin")
def export():
    form = AuditFilterForm(request.args)
    if not form.validate():
        return render_template("audit/index.html", form=form, events=[], total=0, page_rows=PAGE_ROWS), 400
    db = get_session()
    rows = db.scalars(_filtered_query(form)).all()
    # The export leaves the system: it is itself an audited event.
    audit.record(db, actor=current_user, action="audit_export", object_type="audit_log", now=utcnow(),
                 details={"filters": {k: v for k, v in request.args.items() if k in form.data and v}, "rows": len(rows)})
    db.commit()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in rows:
        writer.writerow([_cell(getattr(event, column)) for column in CSV_COLUMNS])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-log.csv", "Cache-Control": "no-store"},
    )


def _cell(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        import json

        value = json.dumps(value, sort_keys=True)
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell starting with = + - @ as a formula (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
