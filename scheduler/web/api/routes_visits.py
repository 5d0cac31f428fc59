"""Visits: book an order's course, reschedule, cancel; and a nurse's day with each ramp."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations.access import require_nurse_access, require_visit_access
from scheduler.operations.rounds import nurse_day
from scheduler.operations.visits import book_series, cancel_visit, reschedule_visit
from scheduler.web.access import allow
from scheduler.web.api import bp
from scheduler.web.api.common import ID, Fields, idempotent, iso
from scheduler.web.api.serialize import visit_card_json, visit_json
from scheduler.web.helpers import catalog
from scheduler.operations.access import STAFF

SCOPES = ("one", "rest")


@bp.post("/visits")
@allow(*STAFF)
def book_visits():
    """Book every day of the order's course with one nurse, day 1 starting at `start`; with
    `days: [N, ...]` only those days (a cancelled day booked again), the first at `start`."""
    f = Fields.body()
    order_id, nurse_id, start = f.id("order_id"), f.id("nurse_id"), f.moment("start", required=True)
    days = f.data.get("days")
    if days is not None and not (isinstance(days, list) and days and len(days) <= 31
                                 and all(isinstance(n, int) and not isinstance(n, bool) for n in days)):
        f.errors["days"] = "A list of day numbers of the course, e.g. [2]."
        days = None
    f.done()

    def create():
        visits = book_series(get_session(), order_id, nurse_id, start, catalog(), days=days, actor=current_user,
                             now=utcnow())
        return 201, {"visits": [visit_json(v) for v in visits]}

    return idempotent(create)


@bp.patch(f"/visits/<{ID}:visit_id>")
@allow(*STAFF)
def reschedule(visit_id: int):
    session, now = get_session(), utcnow()
    require_visit_access(session, current_user, visit_id, now=now)  # 404 before any body check, as the pages
    f = Fields.body()
    start, nurse_id = f.moment("start", required=True), f.id("nurse_id", required=False)
    scope = f.choice("scope", SCOPES, default="one")
    f.done()
    moved = reschedule_visit(session, visit_id, start, nurse_id=nurse_id, scope=scope, actor=current_user, now=now)
    body = {"visits": [visit_json(v) for v in moved]}
    session.commit()
    return jsonify(body)


@bp.post(f"/visits/<{ID}:visit_id>/cancel")
@allow(*STAFF)
def cancel(visit_id: int):
    session, now = get_session(), utcnow()
    require_visit_access(session, current_user, visit_id, now=now)
    f = Fields.body()
    reason, scope = f.text("reason", required=True, max_length=1000), f.choice("scope", SCOPES, default="one")
    f.done()
    cancelled = cancel_visit(session, visit_id, reason, scope=scope, actor=current_user, now=now)
    body = {"visits": [visit_json(v) for v in cancelled]}
    session.commit()
    return jsonify(body)


@bp.get(f"/nurses/<{ID}:nurse_id>/day")
@allow("admin", "coordinator", "nurse")
def day_of_nurse(nurse_id: int):
    args = Fields.query()
    day = args.day("date", required=True)
    args.done()
    session, now = get_session(), utcnow()
    # The rounds operation gives a nurse her own day whatever the id: ask for this one only.
    require_nurse_access(session, current_user, nurse_id)
    nurse, cards = nurse_day(session, current_user, day, nurse_id=nurse_id, now=now)
    body = {"nurse_id": nurse.id, "date": day.isoformat(), "timezone": nurse.timezone, "generated_at": iso(now),
            "visits": [visit_card_json(card) for card in cards]}
    session.commit()  # the audit row of this read
    return jsonify(body)
