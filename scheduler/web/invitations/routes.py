"""Portal invitations: sent and revoked from the patient's page by the coordinator, followed
by the patient from the email or text message to set his password."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from scheduler.clock import utcnow
from scheduler.notify.tokens import invitation_from_token
from scheduler.operations.invitations import (
    CHANNEL_WORDS, InvitationRefused, accept_invitation, change_own_contact, confirm_email_change, open_invitation,
    revoke_invitation, send_invitation,
)
from scheduler.operations.access import STAFF
from scheduler.operations.portal import own_patient
from scheduler.web.access import allow, public
from scheduler.web.database import get_session
from scheduler.web.formtools import run_operation
from scheduler.web.invitations.forms import AcceptForm, ContactForm, InviteForm, RevokeForm

bp = Blueprint("invitations", __name__)


@bp.route("/patients/<int:patient_id>/invitation", methods=["POST"])
@allow(*STAFF)
def send(patient_id: int):
    db, form = get_session(), InviteForm()
    if form.validate_on_submit():
        try:
            invitation = send_invitation(db, patient_id, form.channel.data, actor=current_user, now=utcnow())
            db.commit()
            flash(f"Portal invitation queued by {CHANNEL_WORDS[invitation.channel]} to {invitation.sent_to}; "
                  "its link works once, for 72 hours.")
        except InvitationRefused as exc:
            db.rollback()
            flash(str(exc))
    return redirect(url_for("patients.summary", patient_id=patient_id))


@bp.route("/patients/<int:patient_id>/invitation/revoke", methods=["POST"])
@allow(*STAFF)
def revoke(patient_id: int):
    db = get_session()
    if RevokeForm().validate_on_submit():
        try:
            revoke_invitation(db, patient_id, actor=current_user, now=utcnow())
            db.commit()
            flash("Invitation revoked: its link no longer works.")
        except InvitationRefused as exc:
            db.rollback()
            flash(str(exc))
    return redirect(url_for("patients.summary", patient_id=patient_id))


@bp.route("/portal/invitation/<token>", methods=["GET", "POST"])
@public
def accept(token: str):
    """The link in the invitation: set a password, and the login is linked to the record."""
    found = invitation_from_token(current_app.config["SECRET_KEY"], token)
    if found is None:
        abort(404)
    db, now = get_session(), utcnow()
    try:
        invitation = open_invitation(db, *found, now=now)
    except InvitationRefused as exc:
        return render_template("invitations/accept.html", form=None, refused=str(exc)), 410
    form = AcceptForm() if AcceptForm().is_submitted() else AcceptForm(
        data={"email": invitation.sent_to if invitation.channel == "email" else ""})
    if form.validate_on_submit():
        user = run_operation(db, form, lambda: accept_invitation(db, *found, email=form.email.data,
                                                                 password=form.password.data, now=now))
        if user is not None:
            db.commit()
            flash("Your password is set. Log in with your email and it to see your visits.")
            return redirect(url_for("auth.login"))
    return render_template("invitations/accept.html", form=form, refused=None,
                           first_name=invitation.patient.first_name)


@bp.route("/portal/contact", methods=["GET", "POST"])
@allow("patient")
def contact():
    """The patient's own phone number and email; a new email counts once confirmed."""
    db, now = get_session(), utcnow()
    patient = own_patient(db, current_user, now=now)
    form = ContactForm() if request.method == "POST" else ContactForm(
        data={"phone": patient.phone_e164 or "", "email": patient.email or ""})
    if form.validate_on_submit():
        pending = run_operation(db, form, lambda: change_own_contact(
            db, patient, phone=form.phone.data, email=form.email.data, actor=current_user, now=now) or True)
        if pending is not None:
            db.commit()
            flash("Saved." if pending is True else
                  f"Saved. We sent a link to {pending.sent_to}: your email changes when you open it (within 72 hours).")
            return redirect(url_for("portal.home"))
        patient = own_patient(db, current_user, now=now)
    db.commit()  # the audit row of this read
    status = 422 if request.method == "POST" else 200
    return render_template("invitations/contact.html", form=form, patient=patient), status


@bp.route("/portal/email/<token>")
@public
def confirm_email(token: str):
    """The link sent to a new email address: following it makes it the patient's email."""
    found = invitation_from_token(current_app.config["SECRET_KEY"], token)
    if found is None:
        abort(404)
    db = get_session()
    try:
        confirm_email_change(db, *found, now=utcnow())
    except InvitationRefused as exc:
        db.rollback()
        return render_template("invitations/accept.html", form=None, refused=str(exc)), 410
    db.commit()
    flash("Thank you: your email address is confirmed.")
    return redirect(url_for("portal.home") if current_user.is_authenticated else url_for("auth.login"))
