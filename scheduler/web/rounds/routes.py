"""The nurse's day and visit pages, and the documentation forms posted from the visit page.

Nurses reach only their own visits (others: 404, no data); coordinators and admins may read
everything here but document nothing (the documentation routes admit nurses only, and the
operations refuse anyone but the visit's nurse). Each post runs one operation and commits
once; a refused entry re-renders the page with the message beside the field and the values
typed, and rolls back only itself.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.models import Nurse, User, VialLot
from scheduler.operations.access import read_visit, require_visit_access
from scheduler.operations.documentation import (
    DocumentationError, add_amendment, complete_visit, documentation_of, end_infusion, observation_done,
    record_lots_used, record_rate_change, record_reaction, record_vitals, sign_record, start_infusion,
)
from scheduler.operations.rounds import card_for, nurse_day, nurse_of
from scheduler.web.access import allow
from scheduler.web.helpers import (
    EARLIEST_DATE, LATEST_DATE, NonexistentLocalTime, agency_zone, checked_local_datetime, choices, parse_date_arg,
)
from scheduler.web.rounds import forms
from scheduler.web.rounds.sheet import visit_sheet
from scheduler.web.converters import id_arg

bp = Blueprint("rounds", __name__, url_prefix="/rounds")
READERS = ("nurse", "coordinator", "admin")

# step -> (form, what it does, its time field or None, flash on success)
STEPS = {
    "start": (forms.StartForm, lambda db, v, f, t, now: start_infusion(db, v, t, actor=current_user, now=now), "at",
              "Infusion start recorded."),
    "vitals": (forms.VitalsForm, lambda db, v, f, t, now: _vitals(db, v, f, t, now), "taken_at", None),
    "rate": (forms.RateForm, lambda db, v, f, t, now: record_rate_change(
        db, v, f.kind.data, t, f.rate_ml_per_hr.data, f.reason.data, actor=current_user, now=now), "at",
        "Rate change recorded."),
    "reaction": (forms.ReactionForm, lambda db, v, f, t, now: record_reaction(
        db, v, t, f.reaction_type.data, f.severity.data, f.action_taken.data, actor=current_user, now=now), "at",
        "Reaction recorded."),
    "lots": (forms.LotForm, lambda db, v, f, t, now: record_lots_used(
        db, v, f.lot_id.data, f.vials_used.data, f.waste_ml.data, actor=current_user, now=now), None,
        "Vials recorded; stock updated."),
    "end": (forms.EndForm, lambda db, v, f, t, now: end_infusion(
        db, v, t, f.total_volume_ml.data, actor=current_user, now=now), "at", "Infusion end recorded."),
    "observation": (forms.ObservationForm, lambda db, v, f, t, now: observation_done(db, v, t, actor=current_user, now=now),
                    "at", "Observation recorded as done."),
    "sign": (forms.SignForm, lambda db, v, f, t, now: sign_record(db, v, actor=current_user, now=now), None,
             "Record signed. Corrections from now on are amendments."),
    "amend": (forms.AmendForm, lambda db, v, f, t, now: add_amendment(db, v, f.text.data, actor=current_user, now=now),
              None, "Amendment added."),
    "complete": (forms.CompleteForm, lambda db, v, f, t, now: complete_visit(db, v, actor=current_user, now=now), None,
                 "Visit completed."),
}


def _vitals(db, visit_id, form, taken_at, now):
    _, flags = record_vitals(db, visit_id, form.phase.data, taken_at, form.values(), actor=current_user, now=now)
    flash("Vital signs recorded." + (" Out of the usual range: " + "; ".join(flags.values()) + "." if flags else ""),
          "warning" if flags else "message")


@bp.app_template_filter("hhmm")
def hhmm(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M") if moment else "—"


@bp.app_template_filter("hhmmz")
def hhmmz(moment: datetime | None, zone: ZoneInfo) -> str:
    """A time with its zone's abbreviation (10:45 CDT): the nurse may be in another zone than the patient."""
    return moment.astimezone(zone).strftime("%H:%M %Z") if moment else "—"


@bp.route("/")
@allow(*READERS)
def day():
    db, now = get_session(), utcnow()
    nurse_id = id_arg(request.args, "nurse")
    own = nurse_of(db, current_user) if current_user.role == "nurse" else None
    zone = ZoneInfo(own.timezone) if own else agency_zone()
    on = parse_date_arg(request.args.get("date"), now.astimezone(zone).date())
    staff = current_user.role != "nurse"
    nurses = list(db.scalars(select(Nurse).order_by(Nurse.last_name, Nurse.first_name))) if staff else []
    if own is None and (nurse_id is None or not staff):  # a nurse login without a nurse profile sees nothing
        db.commit()
        return render_template("rounds/day.html", nurse=None, nurses=nurses, cards=[], on=on, nurse_id=None)
    nurse, cards = nurse_day(db, current_user, on, nurse_id=nurse_id, now=now)
    db.commit()  # the audit row of this listing
    return render_template("rounds/day.html", nurse=nurse, nurses=nurses, cards=cards, on=on, nurse_id=nurse.id,
                           earliest=EARLIEST_DATE, latest=LATEST_DATE)


@bp.route("/visits/<int:visit_id>")
@allow(*READERS)
def visit(visit_id: int):
    return _render(visit_id)


@bp.route("/visits/<int:visit_id>/<any(" + ", ".join(STEPS) + "):step>", methods=["POST"])
@allow("nurse")
def document(visit_id: int, step: str):
    db, now = get_session(), utcnow()
    form_class, run, time_field, done = STEPS[step]
    form = form_class(prefix=step)  # several forms on one page: distinct field names and ids
    # Her own visit only (NotFound -> 404, no data); the operation audits the change.
    visit = require_visit_access(db, current_user, visit_id, now=now)
    zone = ZoneInfo(visit.patient.timezone)
    _lot_choices(db, visit, form)
    if form.validate():
        try:
            moment = _moment(form, time_field, zone)
            run(db, visit.id, form, moment, now)
            db.commit()
            if done:
                flash(done)
            return redirect(url_for("rounds.visit", visit_id=visit.id) + f"#{step}")
        except DocumentationError as exc:
            db.rollback()
            _show_error(form, exc)
    return _render(visit_id, bound={step: form}, status=422)


def _moment(form, time_field: str | None, zone: ZoneInfo) -> datetime | None:
    if time_field is None:
        return None
    typed = form[time_field].data
    if not EARLIEST_DATE <= typed.date() <= LATEST_DATE:
        raise DocumentationError("That date is not possible; check it.", time_field)
    try:
        return checked_local_datetime(typed.date(), typed.time(), zone)
    except NonexistentLocalTime as exc:
        raise DocumentationError(str(exc), time_field) from None


def _show_error(form, exc: DocumentationError) -> None:
    placed = False
    for name, message in exc.errors.items():
        if name in form._fields:
            form[name].errors = [*form[name].errors, message]
            placed = True
    if not placed:
        form.form_errors.append(str(exc))


def _lot_choices(db, visit, form) -> None:
    if isinstance(form, forms.LotForm):
        product = (visit.plan or {}).get("product")
        lots = db.scalars(select(VialLot).where(VialLot.product_id == product, VialLot.quantity > 0)
                          .order_by(VialLot.expiry_date, VialLot.lot_number))
        form.lot_id.choices = choices(
            (lot.id, f"{lot.lot_number}: {lot.size_g:g} g, expires {lot.expiry_date.isoformat()} ({lot.quantity} left)")
            for lot in lots)


def _render(visit_id: int, *, bound: dict | None = None, status: int = 200):
    db, now = get_session(), utcnow()
    visit = read_visit(db, current_user, visit_id, now=now, details={"page": "rounds visit"})
    doc = documentation_of(db, visit)
    sheet = visit_sheet(visit, doc, now)
    step_forms = {}
    if current_user.role == "nurse":
        local_now = now.astimezone(sheet.zone).replace(second=0, microsecond=0, tzinfo=None)
        for step, (form_class, _run, time_field, _done) in STEPS.items():
            form = (bound or {}).get(step) or form_class(formdata=None, prefix=step)
            if time_field and form[time_field].data is None:
                form[time_field].data = local_now
            _lot_choices(db, visit, form)
            step_forms[step] = form
        _defaults(step_forms, sheet, doc, bound or {})
    card = card_for(db, visit)
    author_ids = {a.author_id for a in doc.amendments}
    authors = {u.id: u.full_name for u in db.scalars(select(User).where(User.id.in_(author_ids)))} if author_ids else {}
    db.commit()  # the audit row of this read
    return render_template("rounds/visit.html", visit=visit, card=card, doc=doc, sheet=sheet, forms=step_forms,
                           authors=authors, now=now), status


def _defaults(step_forms, sheet, doc, bound) -> None:
    """Suggest what comes next: the phase of the next due reading, the next planned rate."""
    if "vitals" not in bound:
        due = {"Baseline": "baseline", "Before": "before_increase", "At the end": "end", "After": "post_observation"}
        pending = next((p for p in sheet.prompts if not p.done), None)
        if pending:
            step_forms["vitals"].phase.data = next(v for k, v in due.items() if pending.label.startswith(k))
    if "rate" not in bound and sheet.remaining is not None:
        remaining = sheet.remaining
        if remaining.paused:
            step_forms["rate"].kind.data = "resume"
            step_forms["rate"].rate_ml_per_hr.data = remaining.resume_rate_ml_per_hr
        elif len(remaining.steps) > 1:
            step_forms["rate"].rate_ml_per_hr.data = remaining.steps[1].rate_ml_per_hr
    if "end" not in bound and doc.record is not None and sheet.remaining is not None:
        step_forms["end"].total_volume_ml.data = sheet.remaining.infused_ml.quantize(1)
