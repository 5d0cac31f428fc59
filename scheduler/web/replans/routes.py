"""Absence and re-plan pages (coordinators and admins)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.operations.absences import affected_visits, describe, get_absence
from scheduler.operations.access import record_list_read
from scheduler.web.access import allow
from scheduler.web.database import get_session
from scheduler.web.formtools import in_zone
from scheduler.web.helpers import choices, nurses_by_name
from scheduler.web.nurses.forms import AbsenceForm
from scheduler.web.replans.absence_views import record_absence_from_form
from scheduler.web.replans.forms import NewAbsenceForm

bp = Blueprint("replans", __name__)
bp.add_app_template_filter(in_zone, "in_zone")
STAFF = ("coordinator", "admin")


@bp.route("/absences/new", methods=["GET", "POST"])
@allow(*STAFF)
def new_absence():
    """Record an absence for any nurse (linked from the calendar)."""
    db = get_session()
    form = NewAbsenceForm()
    form.nurse_id.choices = choices([(n.id, n.display_name) for n in nurses_by_name(db)])
    if request.method == "GET" and request.args.get("nurse", "").isdigit():
        form.nurse_id.data = int(request.args["nurse"])
    done = record_absence_from_form(form, form.nurse_id.data) if request.method == "POST" else None
    return done or render_template("replans/new_absence.html", form=form)


@bp.route("/absences/<int:absence_id>")
@allow(*STAFF)
def absence(absence_id: int):
    """The absence and the visits it leaves without a nurse."""
    db, now = get_session(), utcnow()
    found = get_absence(db, absence_id)
    visits = affected_visits(db, found)
    record_list_read(db, current_user, object_type="nurse_absence", patient_ids=[v.patient_id for v in visits], now=now,
                     details={"absence_id": found.id})
    db.commit()
    return render_template("replans/absence.html", absence=found, visits=visits,
                           sentence=describe(found, found.nurse.timezone), form=AbsenceForm(formdata=None))
