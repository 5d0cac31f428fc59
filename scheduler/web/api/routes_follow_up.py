"""A patient's reminders and platelet draws, and entering a draw's result."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations.access import read_patient
from scheduler.operations.follow_up import draws_page, reminders_page
from scheduler.operations.labs import get_draw, record_result
from scheduler.web.access import ALL_ROLES, allow
from scheduler.web.api import bp
from scheduler.web.api.common import ID, Fields, idempotent, iso, page_of, paging


def reminder_json(reminder) -> dict:
    # No message text, provider id or error text: the list says what is due and how it went.
    return {"id": reminder.id, "kind": reminder.kind, "channel": reminder.channel, "visit_id": reminder.visit_id,
            "lab_draw_id": reminder.lab_draw_id, "due_at": iso(reminder.due_at), "expires_at": iso(reminder.expires_at),
            "status": reminder.status, "attempts": reminder.attempts, "sent_at": iso(reminder.sent_at)}


def draw_json(draw) -> dict:
    result = draw.result
    return {"id": draw.id, "patient_id": draw.patient_id, "visit_id": draw.visit_id, "test": draw.test,
            "offset_hours": draw.offset_hours, "due_at": iso(draw.due_at), "status": draw.status,
            "done_at": iso(draw.done_at),
            "result": None if result is None else {"platelets_10e9_per_l": result.value, "unit": result.unit,
                                                   "resulted_at": iso(result.resulted_at)}}


def _listed(page_for, to_json, patient_id: int, what: str):
    page, per_page = paging()
    session = get_session()
    read_patient(session, current_user, patient_id, now=utcnow(), details={"api": what})
    rows, total = page_for(session, patient_id, page=page, per_page=per_page)
    body = page_of([to_json(r) for r in rows], total, page, per_page)
    session.commit()  # the audit row of this read
    return jsonify(body)


@bp.get(f"/patients/<{ID}:patient_id>/reminders")
@allow(*ALL_ROLES)  # which patient is decided by the operation, per role
def patient_reminders(patient_id: int):
    return _listed(reminders_page, reminder_json, patient_id, "reminders")


@bp.get(f"/patients/<{ID}:patient_id>/labs")
@allow(*ALL_ROLES)
def patient_labs(patient_id: int):
    return _listed(draws_page, draw_json, patient_id, "lab draws")


@bp.post(f"/labs/<{ID}:draw_id>/result")
@allow("coordinator", "admin", "nurse")  # as the lab result form on the patient page
def lab_result(draw_id: int):
    session, now = get_session(), utcnow()
    get_draw(session, current_user, draw_id, now=now)  # 404 before anything is said, as the page
    f = Fields.body()
    platelets = f.decimal("platelets_10e9_per_l", required=True)
    f.done()

    def create():
        result = record_result(session, draw_id, float(platelets), actor=current_user, now=now)
        return 201, draw_json(result.draw)

    return idempotent(create)
