"""Patient pages. For now a read-only summary that exercises object access and auditing;
the coordinator pages extend this blueprint."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from scheduler.db import get_session, utcnow
from scheduler.operations.access import read_patient
from scheduler.web.access import ALL_ROLES, allow

bp = Blueprint("patients", __name__, url_prefix="/patients")


@bp.route("/<int:patient_id>")
@allow(*ALL_ROLES)  # which patient is decided by the operation, per role
def summary(patient_id: int):
    db = get_session()
    patient = read_patient(db, current_user, patient_id, now=utcnow())
    db.commit()  # the audit row of this read
    return render_template("patients/summary.html", patient=patient)
