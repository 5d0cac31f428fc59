"""Recording an absence from a form: shared by the nurse's page and the absence page linked
from the calendar, so both answer the same way."""

from __future__ import annotations

from flask import current_app, flash, redirect, url_for
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.operations.absences import describe, record_absence
from scheduler.operations.replans import DEFAULT_TIME_LIMIT_S, propose_for_absence
from scheduler.web.database import get_session
from scheduler.web.formtools import run_operation


def record_absence_from_form(form, nurse_id: int | None):
    """Validate, record, commit and redirect; None when the form must be shown again with
    its messages (everything typed is kept)."""
    db, now = get_session(), utcnow()
    if not form.validate_on_submit():
        return None
    recorded = run_operation(db, form, lambda: record_absence(
        db, nurse_id, form.starts_local.data, form.ends_local.data, form.kind.data, form.reason.data,
        actor=current_user, now=now))
    if recorded is None:
        return None
    absence, affected = recorded.absence, recorded.affected
    replan = propose_for_absence(db, absence.id, actor=current_user, now=now, time_limit_s=time_limit_s()) \
        if affected else None
    db.commit()
    sentence = f"{describe(absence, absence.nurse.timezone)} recorded for {absence.nurse.display_name}."
    if not affected:
        flash(f"{sentence} None of her visits falls inside it.")
        return redirect(url_for("nurses.edit", nurse_id=absence.nurse_id))
    flash(f"{sentence} {len(affected)} of her visits fall inside it; below is a proposal for them.")
    return redirect(url_for("replans.show", replan_id=replan.id))


def time_limit_s() -> float:
    """The solver's time limit (seconds): the best proposal found by then is shown."""
    return float(current_app.config.get("REPLAN_TIME_LIMIT_S", DEFAULT_TIME_LIMIT_S))
