"""Login, logout and password change."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from scheduler.clock import utcnow
from scheduler.web.database import get_session
from scheduler.operations import audit
from scheduler.operations.accounts import InvalidAccount, WrongPassword, authenticate, change_password, end_all_sessions
from scheduler.operations.setup import is_set_up
from scheduler.operations.login_throttle import ThrottleLimits, is_throttled, record_failure
from scheduler.web import security
from scheduler.web.access import ALL_ROLES, allow, public
from scheduler.web.auth.forms import LoginForm, LogoutForm, PasswordChangeForm

bp = Blueprint("auth", __name__)

GENERIC_LOGIN_FAILURE = "Email or password is not correct."


def _limits() -> ThrottleLimits:
    """The limits configured (LOGIN_MAX_FAILURES_PER_ACCOUNT, _PER_IP, LOGIN_WINDOW_MINUTES)."""
    config = current_app.config
    return ThrottleLimits(
        max_failures_per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        max_failures_per_ip=config["LOGIN_MAX_FAILURES_PER_IP"],
        window=timedelta(minutes=config["LOGIN_WINDOW_MINUTES"]),
    )


def _throttled_message(what: str) -> str:
    return f"Too many {what}. Please wait {current_app.config['LOGIN_WINDOW_MINUTES']} minutes and try again."


def _throttled(db, email: str, source_ip: str, *, actor, action: str, now) -> bool:
    """Whether the account or address is over its limit; if so the refusal is audited and
    committed, and the password must not be checked at all."""
    if not is_throttled(db, email, source_ip, now=now, limits=_limits()):
        return False
    audit.record(db, actor=actor, action=action, object_type="session", now=now)
    db.commit()
    return True


def _wrong_password(db, email: str, source_ip: str, *, actor, action: str, now) -> None:
    """Count the failure against the account and the address, and audit it (one commit)."""
    db.rollback()
    record_failure(db, email, source_ip, now=now)
    audit.record(db, actor=actor, action=action, object_type="session", now=now)
    db.commit()


def _installation_set_up() -> bool:
    if not current_app.extensions.get("installation_set_up"):  # once true, it stays true
        current_app.extensions["installation_set_up"] = is_set_up(get_session())
    return current_app.extensions["installation_set_up"]


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    if request.method == "GET" and not _installation_set_up():
        # Nobody could log in: say what to run on the server instead of a login that cannot work.
        return render_template("auth/setup_needed.html")
    form = LoginForm()
    if form.validate_on_submit():
        try:
            attempt_login(form.email.data, form.password.data)
        except LoginRefused as exc:
            form.password.errors.append(str(exc))
            return render_template("auth/login.html", form=form), exc.status
        return redirect(_safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


class LoginRefused(Exception):
    """Wrong email or password, or throttled; the message is fit for the form."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def attempt_login(email: str, password: str):
    """Check the password under the throttle, audit, and start a fresh session; the user, or
    LoginRefused. Shared by the login page and the nurse's re-authentication after idle."""
    db = get_session()
    now = utcnow()
    source_ip = request.remote_addr or "unknown"
    if _throttled(db, email, source_ip, actor=None, action="login_throttled", now=now):
        # Not counted and not checked: the password is never evaluated while throttled.
        raise LoginRefused(_throttled_message("failed logins"), 429)
    user = authenticate(db, email, password, now=now)
    if user is None:
        _wrong_password(db, email, source_ip, actor=None, action="login_failed", now=now)
        raise LoginRefused(GENERIC_LOGIN_FAILURE, 401)
    audit.record(db, actor=user, action="login", object_type="session", now=now)
    db.commit()
    # A fresh session at login: nothing an attacker planted before login survives.
    session.clear()
    session.permanent = True
    login_user(user)
    security.mark_login(now)
    return user


@bp.route("/logout", methods=["POST"])
@allow(*ALL_ROLES)
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        db = get_session()
        user = current_user._get_current_object()
        end_all_sessions(db, user)
        audit.record(db, actor=user, action="logout", object_type="session", now=utcnow())
        db.commit()
        logout_user()
        session.clear()
        flash("You are logged out.")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*ALL_ROLES)
def change_password_page():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        db = get_session()
        user = current_user._get_current_object()
        now = utcnow()
        source_ip = request.remote_addr or "unknown"
        # The current password is guessed like a login (a stolen session must not become a
        # password oracle): the same counts, limits and audit, shared with the login page.
        if _throttled(db, user.email, source_ip, actor=user, action="password_check_throttled", now=now):
            form.current_password.errors.append(_throttled_message("wrong passwords"))
            return render_template("account/password.html", form=form), 429
        try:
            change_password(db, user, current_password=form.current_password.data,
                            new_password=form.new_password.data, now=now)
        except WrongPassword as exc:
            _wrong_password(db, user.email, source_ip, actor=user, action="password_check_failed", now=now)
            form.current_password.errors.append(str(exc))
        except InvalidAccount as exc:
            db.rollback()
            form.new_password.errors.append(str(exc))
        else:
            db.commit()
            # Every other browser's cookie is dead (epoch bumped); this one gets a new
            # session under the new epoch so the user stays logged in here.
            session.clear()
            session.permanent = True
            login_user(user)
            security.mark_login(now)
            flash("Your password was changed. Other devices have been logged out.")
            return redirect(url_for("main.index"))
    return render_template("account/password.html", form=form)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: an open redirect after login is a phishing tool."""
    if not target:
        return None
    parts = urlsplit(target)
    # Browsers read a backslash as a slash, so "/\\evil.example" is "//evil.example".
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
