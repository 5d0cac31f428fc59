"""Documentation events on a visit (start, vitals, rate change, end), by the visit's nurse,
through the documentation operations the nurse's pages use."""

from __future__ import annotations

from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations.documentation import (
    documenting_visit, end_infusion, record_rate_change, record_vitals, start_infusion,
)
from scheduler.web.access import allow
from scheduler.web.api import bp
from scheduler.web.api.common import ID, Fields, idempotent, iso

EVENT_TYPES = ("start", "vitals", "rate_change", "end")
VITALS_INTEGERS = ("systolic_mmhg", "diastolic_mmhg", "pulse_bpm", "respiratory_rate", "spo2_pct")
RATE_KINDS = ("step_up", "slow_down", "pause", "resume")


def _vitals(f: Fields) -> dict:
    values = {name: f.integer(name, minimum=-(10**6), maximum=10**6) for name in VITALS_INTEGERS}
    values["temperature_c"] = f.decimal("temperature_c")
    return values


@bp.post(f"/visits/<{ID}:visit_id>/events")
@allow("nurse")  # as the rounds pages: only the visit's own nurse documents
def visit_event(visit_id: int):
    session, now = get_session(), utcnow()
    documenting_visit(session, visit_id, actor=current_user, now=now)  # 404 before any body check
    f = Fields.body()
    kind = f.choice("type", EVENT_TYPES, required=True)
    at = f.moment("at", required=True)
    if kind == "vitals":
        phase, values = f.text("phase", required=True, max_length=20), _vitals(f)
    elif kind == "rate_change":
        rate_kind = f.choice("kind", RATE_KINDS, required=True)
        rate, reason = f.decimal("rate_ml_per_hr"), f.text("reason", max_length=4000)
    elif kind == "end":
        total, reason = f.decimal("total_volume_ml", required=True), f.text("reason", max_length=4000)
    f.done()

    def create():
        if kind == "start":
            row, flags = start_infusion(session, visit_id, at, actor=current_user, now=now), {}
        elif kind == "vitals":
            row, flags = record_vitals(session, visit_id, phase, at, values, actor=current_user, now=now)
        elif kind == "rate_change":
            row, flags = record_rate_change(session, visit_id, rate_kind, at, rate, reason, actor=current_user,
                                            now=now), {}
        else:
            row, flags = end_infusion(session, visit_id, at, total, reason, actor=current_user, now=now), {}
        return 201, {"type": kind, "id": row.id, "visit_id": visit_id, "at": iso(at), "flags": dict(flags)}

    return idempotent(create)
