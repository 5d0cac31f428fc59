"""Absences and re-plan proposals: record a nurse's absence (answering with the visits it
affects), read a proposal, apply all or some of its rows."""

from __future__ import annotations

from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.operations.absences import record_absence
from scheduler.operations.access import record_list_read
from scheduler.operations.nurses import get_nurse
from scheduler.models.nurses import ABSENCE_KINDS
from scheduler.web.access import allow
from scheduler.web.api import bp
from scheduler.web.api.common import ID, Fields, idempotent, iso
from scheduler.web.api.serialize import visit_json
from scheduler.web.database import get_session

STAFF = ("admin", "coordinator")


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
        record_list_read(session, current_user, object_type="nurse_absence",
                         patient_ids=[v.patient_id for v in recorded.affected], now=now,
                         details={"absence_id": recorded.absence.id})
        return 201, {"absence": absence_json(recorded.absence),
                     "affected_visits": [visit_json(v) for v in recorded.affected]}

    return idempotent(create)
