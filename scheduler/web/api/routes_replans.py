"""Absences and re-plan proposals: record a nurse's absence (answering with the visits it
affects), read a proposal, apply all or some of its rows."""

from __future__ import annotations

from datetime import datetime

from flask import jsonify, request
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.operations.absences import get_absence, record_absence
from scheduler.operations.replans import apply_replan, get_replan, patient_ids_of, propose_for_absence
from scheduler.operations.access import record_list_read
from scheduler.operations.nurses import get_nurse
from scheduler.models.nurses import ABSENCE_KINDS
from scheduler.web.access import allow
from scheduler.web.api import bp
from scheduler.web.api.common import ID, MAX_ID, Fields, created, idempotent, iso
from scheduler.web.api.serialize import visit_json
from scheduler.web.database import get_session
from scheduler.web.replans.absence_views import time_limit_s
from scheduler.operations.access import STAFF



def absence_json(absence) -> dict:
    return {"id": absence.id, "nurse_id": absence.nurse_id, "kind": absence.kind, "reason": absence.reason,
            "starts_at": iso(absence.starts_at), "ends_at": iso(absence.ends_at)}


@bp.post(f"/nurses/<{ID}:nurse_id>/absences")
@allow(*STAFF)
def create_absence(nurse_id: int):
    """Record an absence; 201 with the absence and the open visits of hers inside it."""
    get_nurse(get_session(), nurse_id)  # 404 before any body check, as the pages
    f = Fields.body()
    starts, ends = f.moment("starts_at", required=True), f.moment("ends_at", required=True)
    kind = f.choice("kind", ABSENCE_KINDS, required=True)
    reason = f.text("reason", max_length=200)
    f.done()

    def create():
        session, now = get_session(), utcnow()
        recorded = record_absence(session, nurse_id, starts, ends, kind, reason, actor=current_user, now=now)
        replan = propose_for_absence(session, recorded.absence.id, actor=current_user, now=now,
                                     time_limit_s=time_limit_s()) if recorded.affected else None
        record_list_read(session, current_user, object_type="nurse_absence",
                         patient_ids=[v.patient_id for v in recorded.affected], now=now,
                         details={"absence_id": recorded.absence.id})
        return 201, {"absence": absence_json(recorded.absence),
                     "affected_visits": [visit_json(v) for v in recorded.affected],
                     "replan_id": replan.id if replan else None}

    return idempotent(create)


def replan_json(replan) -> dict:
    rows = [{k: v for k, v in row.items() if k != "version"} for row in replan.result["rows"]]
    for row in rows:
        for key in ("from_starts_at", "from_ends_at", "to_starts_at", "to_ends_at"):
            row[key] = iso(datetime.fromisoformat(row[key]))
    return {"id": replan.id, "kind": replan.kind, "nurse_id": replan.nurse_id, "absence_id": replan.absence_id,
            "status": replan.status, "created_at": iso(replan.created_at), "applied_at": iso(replan.applied_at),
            "rows": rows, "unplaced": replan.result["unplaced"], "solver": replan.result["solver"]}


@bp.post(f"/absences/<{ID}:absence_id>/replans")
@allow(*STAFF)
def propose_replan(absence_id: int):
    """A fresh proposal for the absence's open visits (e.g. after a 409 on apply)."""
    session, now = get_session(), utcnow()
    get_absence(session, absence_id)
    if request.get_data(cache=True):  # no body is needed; one that is sent must still be sound JSON
        Fields.body().done()
    replan = propose_for_absence(session, absence_id, actor=current_user, now=now, time_limit_s=time_limit_s())
    return created(_read(session, replan, now))


@bp.get(f"/replans/<{ID}:replan_id>")
@allow(*STAFF)
def show_replan(replan_id: int):
    """Each visit from nurse and time to nurse and time with its added drive; the unplaced with reasons."""
    session, now = get_session(), utcnow()
    return jsonify(_read(session, get_replan(session, replan_id), now))


def _read(session, replan, now) -> dict:
    """The proposal as JSON, its patients' read audited, committed (the view's one unit of work)."""
    record_list_read(session, current_user, object_type="replan", patient_ids=patient_ids_of(replan), now=now,
                     details={"replan_id": replan.id})
    body = replan_json(replan)
    session.commit()
    return body


@bp.post(f"/replans/<{ID}:replan_id>/apply")
@allow(*STAFF)
def apply(replan_id: int):
    """Apply every open row, or those of `visit_ids`; 409 when anything changed since the proposal."""
    session, now = get_session(), utcnow()
    get_replan(session, replan_id)
    f = Fields.body()
    visit_ids = f.data.get("visit_ids")
    if visit_ids is not None and (not isinstance(visit_ids, list) or len(visit_ids) > 500 or not all(
            isinstance(i, int) and not isinstance(i, bool) and 1 <= i <= MAX_ID for i in visit_ids)):
        f.errors["visit_ids"] = "Must be a list of visit ids (integers), or left out to apply every row."
    f.done()
    moved = apply_replan(session, replan_id, visit_ids, actor=current_user, now=now)
    body = {"visits": [visit_json(v) for v in moved], "replan": replan_json(get_replan(session, replan_id))}
    session.commit()
    return jsonify(body)
