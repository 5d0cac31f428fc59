"""Recording an absence from a form: shared by the nurse's page and the absence page linked
from the calendar, so both answer the same way."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.operations.absences import describe, record_absence
from scheduler.web.database import get_session
from scheduler.web.formtools import run_operation


def record_absence_from_form(form, nurse_id: int | None):
    """Validate, record, commit and redirect; None when the form must be shown again with
    its messages (everything typed is kept)."""
    db = get_session()
    if not form.validate_on_submit():
        return None
    recorded = run_operation(db, form, lambda: record_absence(
        db, nurse_id, form.starts_local.data, form.ends_local.data, form.kind.data, form.reason.data,
        actor=current_user, now=utcnow()))
    if recorded is None:
        return None
    absence, affected = recorded.absence, recorded.affected
    db.commit()
    sentence = f"{describe(absence, absence.nurse.timezone)} recorded for {absence.nurse.display_name}."
    if not affected:
        flash(f"{sentence} None of her visits falls inside it.")
        return redirect(url_for("nurses.edit", nurse_id=absence.nurse_id))
    flash(f"{sentence} {len(affected)} of her visits fall inside it and need another nurse.")
    return redirect(url_for("replans.absence", absence_id=absence.id))
