"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from scheduler.db import get_session, utcnow
from scheduler.operations.accounts import authenticate, end_all_sessions
from scheduler.web.access import ALL_ROLES, allow, public
from scheduler.web.auth.forms import LoginForm, LogoutForm

bp = Blueprint("auth", __name__)

GENERIC_LOGIN_FAILURE = "Email or password is not correct."


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        user = authenticate(db, form.email.data, form.password.data, now=utcnow())
        if user is None:
            db.rollback()
            form.password.errors.append(GENERIC_LOGIN_FAILURE)
            return render_template("auth/login.html", form=form), 401
        db.commit()
        # A fresh session at login: nothing an attacker planted before login survives.
        session.clear()
        session.permanent = True
        login_user(user)
        return redirect(_safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@allow(*ALL_ROLES)
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        db = get_session()
        end_all_sessions(db, current_user._get_current_object())
        db.commit()
        logout_user()
        session.clear()
        flash("You are logged out.")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: an open redirect after login is a phishing tool."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
