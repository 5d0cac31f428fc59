"""Home page: each role lands on its own start page."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from scheduler.web.access import ALL_ROLES, allow

bp = Blueprint("main", __name__)

START_PAGES = {"admin": "dashboard.today", "coordinator": "dashboard.today", "nurse": "rounds.day",
               "patient": "portal.home"}


@bp.route("/")
@allow(*ALL_ROLES)
def index():
    return redirect(url_for(START_PAGES[current_user.role]))
