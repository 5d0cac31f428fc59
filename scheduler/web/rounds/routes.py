"""The nurse's day and visit pages, and the documentation forms posted from the visit page.

Nurses reach only their own visits (others: 404, no data); coordinators and admins may read
everything here but document nothing (the documentation routes admit nurses only, and the
operations refuse anyone but the visit's nurse). Each post runs one operation and commits
once; a refused entry re-renders the page with the message beside the field and the values
typed, and rolls back only itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from urllib.parse import urlsplit

from flask import (
    Blueprint, current_app, flash, jsonify, redirect, render_template, request, send_from_directory, url_for,
)
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
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
from scheduler.operations.rounds import card_for, nurse_day, nurse_of, nurse_week, stored_plan
from scheduler.web.access import allow, public
from scheduler.web.auth.routes import LoginRefused, attempt_login
from scheduler.web.helpers import (
    EARLIEST_DATE, LATEST_DATE, NonexistentLocalTime, agency_zone, checked_local_datetime, choices, parse_date_arg,
)
from scheduler.web.rounds import forms, offline
from scheduler.web.rounds.sheet import visit_sheet
from scheduler.web.converters import id_arg

bp = Blueprint("rounds", __name__, url_prefix="/rounds")
READERS = ("nurse", "coordinator", "admin")
# Rows of the paper sheet for handwritten entries: a 6-hour infusion with vitals every 30 min.
BLANK_ROWS = 14
CARRIED = "carried-"  # prefix of an entry's fields carried through re-authentication
TITLES = {"start": "Start the infusion", "vitals": "Vital signs", "rate": "Rate change", "reaction": "Reaction",
          "lots": "Vials used", "end": "End the infusion", "observation": "Observation done", "sign": "Sign the record",
          "amend": "Amendment", "complete": "Complete the visit"}

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
        db, v, t, f.total_volume_ml.data, f.reason.data, actor=current_user, now=now), "at", "Infusion end recorded."),
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


@bp.app_template_filter("temperature")
def temperature(value_c) -> str:
    """Stored in °C, shown in both units: the nurse may think in either."""
    if value_c is None:
        return ""
    return f"{Decimal(str(value_c)).quantize(forms.TENTH)} °C ({forms.fahrenheit(value_c)} °F)"


@bp.app_template_filter("hhmmz")
def hhmmz(moment: datetime | None, zone: ZoneInfo) -> str:
    """A time with its zone's abbreviation (10:45 CDT): the nurse may be in another zone than the patient."""
    return moment.astimezone(zone).strftime("%H:%M %Z") if moment else "—"


@bp.route("/")
@allow(*READERS)
def day():
    return _day_page("rounds/day.html", week=True)


@bp.route("/supplies")
@allow(*READERS)
def supplies():
    """What to take from stock for the whole day: every visit's vials with their lots, and
    the premedications; printable."""
    return _day_page("rounds/supplies.html")


def _day_page(template: str, *, week: bool = False):
    db, now = get_session(), utcnow()
    nurse_id = id_arg(request.args, "nurse")
    own = nurse_of(db, current_user) if current_user.role == "nurse" else None
    zone = ZoneInfo(own.timezone) if own else agency_zone()
    on = parse_date_arg(request.args.get("date"), now.astimezone(zone).date())
    staff = current_user.role != "nurse"
    nurses = list(db.scalars(select(Nurse).order_by(Nurse.last_name, Nurse.first_name))) if staff else []
    if own is None and (nurse_id is None or not staff):  # a nurse login without a nurse profile sees nothing
        db.commit()
        return render_template(template, nurse=None, nurses=nurses, cards=[], on=on, nurse_id=None, week=[],
                               totals=[])
    nurse, cards = nurse_day(db, current_user, on, nurse_id=nurse_id, now=now)
    days = nurse_week(db, current_user, on - timedelta(days=on.weekday()), nurse_id=nurse.id, now=now) if week else []
    db.commit()  # the audit row of this listing
    return render_template(template, nurse=nurse, nurses=nurses, cards=cards, on=on, nurse_id=nurse.id, week=days,
                           totals=supply_totals(cards), earliest=EARLIEST_DATE, latest=LATEST_DATE)


def supply_totals(cards) -> list[tuple[str, str, int]]:
    """(product, "30 g, lot X, expires D" or "30 g", vials) over the day, for the stock room."""
    totals: dict[tuple[str, str], int] = {}
    for card in cards:
        if card.day is None or card.vials_recorded:
            continue
        product = stored_plan(card.visit).product_name
        if card.lots:
            for lot in card.lots:
                what = f"{float(lot.size_g):g} g, lot {lot.lot_number}, expires {lot.expiry_date.isoformat()}"
                totals[(product, what)] = totals.get((product, what), 0) + lot.count
        else:  # a shortage: the planned vials, lots unknown
            for vial in card.day["vials"]:
                what = f"{float(vial['size_g']):g} g (no lot in stock)"
                totals[(product, what)] = totals.get((product, what), 0) + vial["count"]
    return [(product, what, count) for (product, what), count in sorted(totals.items())]


@bp.route("/visits/<int:visit_id>/print")
@allow(*READERS)
def print_sheet(visit_id: int):
    """The paper charting sheet: for a visit without signal or a pump that fails, and for the
    patient's home file. Blank columns for handwritten times, rates and vital signs."""
    db, now = get_session(), utcnow()
    visit = read_visit(db, current_user, visit_id, now=now, details={"page": "rounds print sheet"})
    doc = documentation_of(db, visit)
    sheet = visit_sheet(visit, doc, now)
    card = card_for(db, visit)
    nurse, authors = db.get(Nurse, visit.nurse_id), _authors(db, doc)
    db.commit()  # the audit row of this read
    return render_template("rounds/print.html", visit=visit, card=card, sheet=sheet, nurse=nurse, now=now, doc=doc,
                           authors=authors, reactions=reaction_protocol(), blank_rows=range(BLANK_ROWS))


@bp.route("/sw.js")
@public
def service_worker():
    """The offline worker, served from /rounds/ so it may control the nurse's pages. Code
    only, no data; never cached by HTTP, so a new version reaches the phones."""
    response = send_from_directory(current_app.static_folder, "rounds-sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/token")
@allow("nurse")
def token():
    """A fresh form token for entries the phone kept offline (the one in a page cached hours
    ago may have expired); tied to this session like any other."""
    response = jsonify(csrf_token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/visits/<int:visit_id>")
@allow(*READERS)
def visit(visit_id: int):
    return _render(visit_id)


@bp.route("/visits/<int:visit_id>/<any(" + ", ".join(STEPS) + "):step>", methods=["POST"])
@allow("nurse")
def document(visit_id: int, step: str):
    return _document(visit_id, step, STEPS[step][0](prefix=step))  # several forms on one page: prefixed names


def _document(visit_id: int, step: str, form):
    db, now = get_session(), utcnow()
    _form_class, run, time_field, done = STEPS[step]
    # Her own visit only (NotFound -> 404, no data); the operation audits the change.
    visit = require_visit_access(db, current_user, visit_id, now=now)
    zone = ZoneInfo(visit.patient.timezone)
    _dynamic_choices(db, visit, form)
    replay = offline.is_replay()
    key_row = None
    if replay:
        key_row, first_answer = offline.claim(db, now)
        if first_answer is not None:
            return first_answer
    if form.validate():
        try:
            entered = offline.entered_at(now) if replay else None
            moment = _moment(form, time_field, zone)
            run(db, visit.id, form, moment, now)
            if replay:
                offline.remember(db, key_row, visit, step, done or "Saved.", entered, now)
            db.commit()
            if replay:
                return offline.answer(200, saved=True, message=done or "Saved.")
            if done:
                flash(done)
            return redirect(url_for("rounds.visit", visit_id=visit.id, saved=step, _anchor=step))
        except DocumentationError as exc:
            db.rollback()
            _show_error(form, exc)
    if replay:
        db.rollback()  # the claimed key goes too: a refused entry may be corrected and sent again
        errors = {name: list(messages) for name, messages in form.errors.items() if name}  # None: the form's own
        first = next(iter(form.form_errors), None) or next((m[0] for m in errors.values() if m), "Refused.")
        return offline.answer(422, saved=False, message=first, errors=errors)
    return _render(visit_id, bound={step: form}, status=422)


def _kept_entry():
    """A documentation post that arrived without a live session (idle logout, the 12-hour
    limit, logged out elsewhere) or with an expired form token: nothing typed is dropped.
    The page asks for the password and carries the entry in the form, shown so the nurse
    sees exactly what will be saved (and so a forged post cannot ride on her password)."""
    if request.endpoint == "rounds.resume":
        target = request.form.get("resume_to", "")
        carried = [(k.removeprefix(CARRIED), v) for k, v in request.form.items(multi=True) if k.startswith(CARRIED)]
    else:
        target = request.path
        carried = list(request.form.items(multi=True))
    if offline.is_replay():  # the phone keeps the entry and asks the nurse to log in again
        return offline.answer(401, saved=False, login=True,
                              message="Log in again to send the entries waiting on this phone.")
    match = _documentation_target(target)
    if match is None:
        return render_template("error.html", code=422, message="There is no entry to save here."), 422
    _visit_id, step = match
    prefix = f"{step}-"
    carried = [(k, v[:forms.MAX_CARRIED_CHARS]) for k, v in carried
               if k.startswith(prefix) and not k.endswith("csrf_token")][:forms.MAX_CARRIED_FIELDS]
    email = request.form.get("who") or request.form.get("email") or ""
    form = forms.ResumeForm(formdata=None, resume_to=target, email=email[:254])
    return _resume_page(form, step, carried, status=401)


def _resume_page(form, step: str, carried: list[tuple[str, str]], *, status: int):
    entry_form = STEPS[step][0](formdata=MultiDict(carried), prefix=step, meta={"csrf": False})
    shown = [(f.label.text, ", ".join(f.raw_data or [])) for f in entry_form if f.type != "CSRFTokenField" and f.raw_data]
    return render_template("rounds/resume.html", form=form, title=TITLES[step], shown=shown, carried=carried,
                           idle_minutes=current_app.config["SESSION_IDLE_MINUTES"]), status


def _documentation_target(path: str) -> tuple[int, str] | None:
    """(visit id, step) if the path is a documentation form's own address, else None."""
    try:
        endpoint, args = current_app.url_map.bind("localhost").match(urlsplit(path).path, method="POST")
    except (HTTPException, ValueError):  # ValueError: not even a URL ("http://[x")
        return None
    return (args["visit_id"], args["step"]) if endpoint == "rounds.document" else None


document.when_logged_out = _kept_entry
# The blueprint's only posts are the documentation forms and the re-authentication.
bp.register_error_handler(CSRFError, lambda exc: _kept_entry())


@bp.route("/resume", methods=["POST"])
@public
def resume():
    """The password again, then the kept entry is saved as if it had been sent just now
    (its own times were typed by the nurse; the operations check them as usual)."""
    form = forms.ResumeForm()
    match = _documentation_target(form.resume_to.data or "")
    if match is None:
        return render_template("error.html", code=422, message="There is no entry to save here."), 422
    visit_id, step = match
    carried = [(k.removeprefix(CARRIED), v) for k, v in request.form.items(multi=True) if k.startswith(CARRIED)]
    carried = [(k, v) for k, v in carried if k.startswith(f"{step}-")][:forms.MAX_CARRIED_FIELDS]
    if not form.validate():
        return _resume_page(form, step, carried, status=422)
    try:
        attempt_login(form.email.data, form.password.data)
    except LoginRefused as exc:
        form.password.errors.append(str(exc))
        return _resume_page(form, step, carried, status=exc.status)
    if current_user.role != "nurse":
        flash("You are logged in, but only the visit's nurse documents it; the entry was not saved.", "error")
        return redirect(url_for("main.index"))
    flash("You are logged in again.")
    entry = STEPS[step][0](formdata=MultiDict(carried), prefix=step, meta={"csrf": False})  # this form's token was checked
    return _document(visit_id, step, entry)


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
        if hasattr(form, "error_for"):
            name, message = form.error_for(name, message)
        if name in form._fields:
            form[name].errors = [*form[name].errors, message]
            placed = True
    if not placed:
        form.form_errors.append(str(exc))


# The pick-list when the organisation's protocol file has no [reactions] section.
WITHOUT_PROTOCOL = ("Reaction (describe it in the action taken)",)


def reaction_protocol():
    return current_app.extensions["catalog_source"].get().protocol.reactions


def _dynamic_choices(db, visit, form) -> None:
    if isinstance(form, forms.ReactionForm):
        protocol = reaction_protocol()
        form.reaction_type.choices = choices((name, name) for name in (protocol.types if protocol else WITHOUT_PROTOCOL))
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
            _dynamic_choices(db, visit, form)
            step_forms[step] = form
        _defaults(step_forms, sheet, doc, bound or {})
    card = card_for(db, visit)
    authors = _authors(db, doc)
    db.commit()  # the audit row of this read
    return render_template("rounds/visit.html", visit=visit, card=card, doc=doc, sheet=sheet, forms=step_forms,
                           authors=authors, now=now, reactions=reaction_protocol()), status


def _authors(db, doc) -> dict[int, str]:
    author_ids = {a.author_id for a in doc.amendments}
    return {u.id: u.full_name for u in db.scalars(select(User).where(User.id.in_(author_ids)))} if author_ids else {}


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
