"""Reminders on the web: the admin's outbox, the coordinator's retry, and the patient's
opt-outs (STOP / START replies through the SMS provider's webhook, the email link)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.extensions import csrf
from scheduler import wording
from scheduler.models import Patient
from scheduler.models.reminders import REMINDER_CHANNELS, REMINDER_KINDS, REMINDER_STATUSES
from scheduler.notify.channels import read_console_outbox
from scheduler.notify.tokens import patient_from_unsubscribe_token, sms_signature_valid
from scheduler.operations import DomainError, NotFound
from scheduler.operations.access import record_list_read
from scheduler.operations.outbox import outbox_page
from scheduler.operations.reminders import patients_messaged, retry_failed, set_consent
from scheduler.web.access import allow, public
from scheduler.web.helpers import agency_zone, public_base_url

bp = Blueprint("reminders", __name__)

# Carrier keywords (CTIA): these opt out of, and back into, text messages.
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"}
START_WORDS = {"START", "UNSTOP", "YES", "OPTIN"}


OUTBOX_PER_PAGE = 50


@bp.route("/admin/outbox")
@allow("admin")
def outbox():
    """Every reminder row (pending, sending, sent, failed, cancelled, expired), filterable;
    then what the console channel wrote."""
    db, now = get_session(), utcnow()
    status, channel, kind, notes = _outbox_filters()
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < len(page) < 7 else 1
    found = outbox_page(db, status=status, channel=channel, kind=kind, page=page, per_page=OUTBOX_PER_PAGE)
    record_list_read(db, current_user, object_type="outbox", patient_ids=[r.patient_id for r in found.rows], now=now)
    db.commit()
    messages = read_console_outbox(Path(current_app.instance_path) / "console_outbox.jsonl")
    # The console messages show phone numbers, addresses and visit times: a read of those patients too.
    record_list_read(db, current_user, object_type="reminder", patient_ids=patients_messaged(db, messages), now=now)
    db.commit()
    return render_template("reminders/outbox.html", found=found, messages=messages, status=status, channel=channel,
                           kind=kind, notes=notes, page=page, per_page=OUTBOX_PER_PAGE, zone=agency_zone(),
                           statuses=wording.REMINDER_STATUSES, kinds=wording.REMINDER_KINDS, channels=REMINDER_CHANNELS)


def _outbox_filters():
    """The filters from the query string; an unknown value is dropped with a note, never a 500."""
    notes, values = [], []
    for name, allowed in (("status", REMINDER_STATUSES), ("channel", REMINDER_CHANNELS), ("kind", REMINDER_KINDS)):
        value = request.args.get(name, "")
        if value and value not in allowed:
            notes.append(f"“{value[:40]}” is not a reminder {name}; that filter is off.")
            value = ""
        values.append(value or None)
    return (*values, notes)


@bp.route("/reminders/<int:reminder_id>/retry", methods=["POST"])
@allow("coordinator", "admin")
def retry(reminder_id: int):
    db = get_session()
    try:
        retry_failed(db, reminder_id, actor=current_user, now=utcnow())
        db.commit()
        flash("The reminder will be sent again at the next sweep.")
    except NotFound:
        raise
    except DomainError as exc:
        db.rollback()
        flash(str(exc))
    if request.form.get("back") == "outbox":
        return redirect(url_for("reminders.outbox", status="failed"))
    return redirect(url_for("dashboard.today"))


@bp.route("/hooks/sms", methods=["POST"])
@public
@csrf.exempt  # the provider signs the request instead
def sms_webhook():
    params = request.form.to_dict()
    url = public_base_url() + request.full_path.rstrip("?")
    if not sms_signature_valid(current_app.config["SMS_AUTH_TOKEN"], url, params,
                               request.headers.get("X-Twilio-Signature", "")):
        abort(403)
    word = params.get("Body", "").strip().upper()
    given = True if word in START_WORDS else False if word in STOP_WORDS else None
    if given is not None:
        db = get_session()
        for patient in db.scalars(select(Patient).where(Patient.phone_e164 == params.get("From", ""))):
            set_consent(db, patient, "sms", given, actor=None, now=utcnow(), via="sms reply")
        db.commit()
    # An empty TwiML answer: the provider sends its own compliance reply to STOP / START.
    return Response("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>", mimetype="text/xml")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # the signed token is the proof; mail clients' one-click unsubscribe posts without a form
def unsubscribe(token: str):
    patient_id = patient_from_unsubscribe_token(current_app.config["SECRET_KEY"], token)
    db = get_session()
    patient = db.get(Patient, patient_id) if patient_id is not None else None
    if patient is None:
        abort(404)
    if request.method == "POST":
        set_consent(db, patient, "email", False, actor=None, now=utcnow(), via="unsubscribe link")
        db.commit()
        return render_template("reminders/unsubscribe.html", done=True, token=token)
    # GET changes nothing: link scanners fetch every URL in a message.
    return render_template("reminders/unsubscribe.html", done=False, token=token)
