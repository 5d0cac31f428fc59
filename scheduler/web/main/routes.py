"""Home page: each role lands on its own start page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from scheduler.web.access import ALL_ROLES, allow

bp = Blueprint("main", __name__)


@bp.route("/")
@allow(*ALL_ROLES)
def index():
    return render_template("main/index.html", user=current_user)
