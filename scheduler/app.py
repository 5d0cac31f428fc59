"""Home-infusion nursing scheduler: the Flask application factory."""

from __future__ import annotations

import os
import re
import uuid
from datetime import timedelta
from pathlib import Path

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError

from scheduler.web import database
from scheduler.operations.catalog import CatalogSource
from scheduler.web.converters import IdConverter
from scheduler.config import instance_secret_key, load_config, make_new_files_private, validate_config
from scheduler.extensions import csrf, login_manager
from scheduler.geocoding import geocoder_from_config
from scheduler.startup import agency_time_zone, sync_catalog_products

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config: dict | None = None) -> Flask:
    make_new_files_private()
    app = Flask(
        "scheduler",  # the package, so the instance folder and root path stay where they were
        instance_relative_config=True,
        template_folder=os.path.join(REPO_ROOT, "templates"),
        static_folder=os.path.join(REPO_ROOT, "static"),
    )
    # Before any route is added: every <int:...> in a URL is a bounded database id.
    app.url_map.converters["int"] = IdConverter
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path))
    if test_config is not None:
        app.config.from_mapping(test_config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
    validate_config(app.config)
    # Idle timeout: the session cookie is permanent with a short lifetime, refreshed on
    # every request; Flask checks the signed timestamp on load, so an idle cookie is
    # refused server-side too, not just by the browser.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])

    database.init_app(app)
    # Loaded once: a malformed organisation protocol stops start-up with a message naming
    # the file, product and field, instead of failing later on a nurse's page.
    app.extensions["catalog_source"] = CatalogSource(app.config["PROTOCOL_FILE"])
    # Orders and lots reference the products table: it follows the catalog in service from
    # the first request on, demo data or not (skipped until the database is migrated).
    sync_catalog_products(app.extensions["db_engine"], app.extensions["catalog_source"].get())
    # The agency's zone is the one given at `flask setup`, unless AGENCY_TIMEZONE says otherwise.
    if "AGENCY_TIMEZONE" not in os.environ and "AGENCY_TIMEZONE" not in (test_config or {}):
        app.config["AGENCY_TIMEZONE"] = agency_time_zone(app.extensions["db_engine"]) or app.config["AGENCY_TIMEZONE"]
    # Start-up's connections are not kept: the app (or a forked web worker) opens its own on
    # its first request, and nothing is left open if the app is never used.
    app.extensions["db_engine"].dispose()
    app.extensions["geocoder"] = geocoder_from_config(app.config)
    csrf.init_app(app)
    _init_login(app)
    _register_blueprints(app)
    _register_hooks(app)
    _register_error_pages(app)

    from scheduler.cli import register_commands

    register_commands(app)
    return app


def _init_login(app: Flask) -> None:
    from scheduler.models import User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        # The id carries the session epoch: logout bumps it, so an earlier cookie no
        # longer matches and is refused even though its signature is valid.
        ident, _, epoch = user_id.partition(":")
        if not ident.isdigit() or not epoch.isdigit():
            return None
        user = database.get_session().get(User, int(ident))
        if user is None or not user.is_active or user.session_epoch != int(epoch):
            return None
        return user


def _register_blueprints(app: Flask) -> None:
    from scheduler.web.audit.routes import bp as audit_bp
    from scheduler.web.auth.routes import bp as auth_bp
    from scheduler.web.main.routes import bp as main_bp
    from scheduler.web.nurses.routes import bp as nurses_bp
    from scheduler.web.calendar.routes import bp as calendar_bp
    from scheduler.web.catalog.routes import bp as catalog_bp
    from scheduler.web.dashboard.routes import bp as dashboard_bp
    from scheduler.web.orders.routes import bp as orders_bp
    from scheduler.web.patients.routes import bp as patients_bp
    from scheduler.web.rounds.routes import bp as rounds_bp
    from scheduler.web.visits.routes import bp as visits_bp
    from scheduler.web.labs.routes import bp as labs_bp
    from scheduler.web.portal.routes import bp as portal_bp
    from scheduler.web.reminders.routes import bp as reminders_bp
    from scheduler.web.invitations.routes import bp as invitations_bp
    from scheduler.web.imports.routes import bp as imports_bp
    from scheduler.web.replans.routes import bp as replans_bp
    from scheduler.web.feeds.routes import bp as feeds_bp

    from scheduler.web.api import bp as api_bp

    # Token-authenticated only (see scheduler/web/api/auth.py), so a CSRF token has nothing to protect.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(patients_bp)
    app.register_blueprint(nurses_bp)
    app.register_blueprint(replans_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(visits_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(labs_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(reminders_bp)
    app.register_blueprint(rounds_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(feeds_bp)


REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _register_hooks(app: Flask) -> None:
    from scheduler.web import security
    from scheduler.web.api import auth as api_auth
    from scheduler.web.access import enforce_route_policy

    @app.before_request
    def _request_id():
        # A proxy's id is kept for correlation, but only if it cannot inject into logs.
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID_PATTERN.fullmatch(given) else uuid.uuid4().hex

    security.install(app)
    api_auth.install(app)  # after the audit context, before the route policy
    app.before_request(enforce_route_policy)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if "text/html" in response.content_type:
            # Pages hold health data: never store them in shared caches or the back-button cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _register_error_pages(app: Flask) -> None:
    from scheduler.web import security

    messages = {
        400: "The request could not be understood.",
        403: "You do not have access to this page.",
        404: security.NOT_FOUND_MESSAGE,
        405: "This page does not accept that kind of request.",
        413: "What you sent is larger than this site accepts, so nothing was saved. Go back (what you typed is "
             "still in the form) and send less, for example a smaller file.",
        500: "Something went wrong on our side. Nothing you entered was saved by this request; please try again.",
    }

    def render_error(code: int, message: str):
        if request.path.startswith("/api/"):  # API clients get JSON, even for a path that matches no route
            from scheduler.web.api.errors import error_response, message_for

            return error_response(code, message_for(code, message))
        return render_template("error.html", code=code, message=message), code

    for code, message in messages.items():
        app.register_error_handler(code, lambda exc, code=code, message=message: render_error(code, message))

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return render_error(400, "The form had expired or was not sent from this site. Please go back, reload the page and try again.")
