"""Home page: each role lands on its own start page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from scheduler.web.access import ALL_ROLES, allow

bp = Blueprint("main", __name__)


@bp.route("/")
@allow(*ALL_ROLES)
def index():
    if current_user.role in ("coordinator", "admin"):
        return redirect(url_for("dashboard.today"))
    if current_user.role == "nurse":
        return redirect(url_for("rounds.day"))
    if current_user.role == "patient":
        return redirect(url_for("portal.home"))
    return render_template("main/index.html", user=current_user)
