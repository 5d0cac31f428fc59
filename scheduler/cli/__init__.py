"""`flask` commands: database, users, demo data, the reminder worker, and running it all.

Each command is an entry point and owns its unit of work: it opens a session, calls
operations, and commits once.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from scheduler.clock import utcnow

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"


def register_commands(app: Flask) -> None:
    from scheduler.cli.plan import plan_command

    app.cli.add_command(db_group)
    app.cli.add_command(plan_command)
    app.cli.add_command(catalog_group)
    app.cli.add_command(users_group)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(setup_command)
    app.cli.add_command(import_group)
    app.cli.add_command(reminders_group)
    app.cli.add_command(run_all_command)
    app.cli.add_command(audit_group)


def alembic_config(database_url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # '%' is ConfigParser's interpolation character; a password may contain it.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


db_group = AppGroup("db", help="Database schema (Alembic migrations).")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Bring the schema up to REVISION (default: the newest)."""
    from alembic import command

    command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)
    _sync_products()


def _sync_products() -> None:
    from scheduler.startup import sync_catalog_products

    if sync_catalog_products(current_app.extensions["db_engine"], current_app.extensions["catalog_source"].get()):
        click.echo("Products in step with the catalog in service.")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)


@db_group.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a new revision from the models (review it before committing)."""
    from alembic import command

    command.revision(alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=True)


@db_group.command("check")
def db_check() -> None:
    """Fail if the models and the migrations disagree."""
    from alembic import command

    command.check(alembic_config(current_app.config["DATABASE_URL"]))


catalog_group = AppGroup("catalog", help="The product catalog and the organisation's protocol.")


@catalog_group.command("check")
@click.argument("protocol_file", required=False, type=click.Path(dir_okay=False))
def catalog_check(protocol_file: str | None) -> None:
    """Validate a protocol file (default: the one in service) and summarise the catalog."""
    from scheduler.clinical import CatalogError, load_catalog

    source = current_app.extensions["catalog_source"]
    try:
        catalog = load_catalog(protocol_file) if protocol_file else source.get()
    except (CatalogError, OSError) as exc:
        click.echo(f"refused: {exc}", err=True)
        sys.exit(2)
    click.echo(f"catalog {catalog.version}: {catalog.protocol.name}")
    for product in sorted(catalog.products.values(), key=lambda p: p.name):
        for indication in sorted(product.indications):
            missing = product.missing_for_planning(indication)
            state = f"refuses planning (missing {', '.join(missing)})" if missing else "plannable"
            click.echo(f"  {product.product_id:<20} {indication:<4} {state}")


@catalog_group.command("install")
@click.argument("protocol_file", type=click.Path(exists=True, dir_okay=False))
def catalog_install(protocol_file: str) -> None:
    """Validate PROTOCOL_FILE and put it in service (every process picks it up; booked
    visits keep the plan they were booked with)."""
    from scheduler.clinical import CatalogError
    from scheduler.operations.catalog import install_protocol

    target = current_app.config["PROTOCOL_FILE"]
    try:
        install_protocol(protocol_file, target)
    except CatalogError as exc:
        click.echo(f"refused: {exc}", err=True)
        sys.exit(2)
    click.echo(f"installed as {target}; catalog now {current_app.extensions['catalog_source'].get().version}")
    _sync_products()


users_group = AppGroup("users", help="Accounts.")


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "coordinator", "nurse", "patient"]))
@click.option("--name", "full_name", default="", help="Full name (default: the part of the email before @).")
@click.password_option("--password", help="Prompted and never echoed when not given.")
def users_create(email: str, role: str, full_name: str, password: str) -> None:
    """Create an account. The password is prompted without echo and never logged."""
    from scheduler.operations.accounts import InvalidAccount, create_user

    with current_app.extensions["db_sessionmaker"]() as session:
        try:
            user = create_user(
                session, email=email, full_name=full_name or email.split("@")[0], role=role, password=password
            )
        except InvalidAccount as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
        click.echo(f"Created {user.role} account {user.email} (id {user.id}).")


@users_group.command("disable")
@click.option("--email", required=True)
def users_disable(email: str) -> None:
    """Disable an account; every session it has open ends at its next request."""
    from sqlalchemy import func, select

    from scheduler.models import User
    from scheduler.operations.accounts import InvalidAccount, normalise_email, set_active

    with current_app.extensions["db_sessionmaker"]() as session:
        user_id = session.scalar(select(User.id).where(func.lower(User.email) == normalise_email(email)))
        try:
            if user_id is None:
                raise InvalidAccount(f"There is no account with the email {email}.")
            set_active(session, user_id, False, actor=None, now=utcnow())
        except InvalidAccount as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"Disabled {email}; its sessions have ended.")


def _user_by_email(session, email: str):
    from sqlalchemy import func, select

    from scheduler.models import User
    from scheduler.operations.accounts import normalise_email

    user = session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"There is no account with the email {email}.")
    return user


@users_group.command("token")
@click.option("--email", required=True)
@click.option("--name", default="api", show_default=True, help="What the token is for, e.g. the pharmacy system.")
@click.option("--days", type=int, default=None, help="The token stops working this many days from now (default: never).")
def users_token(email: str, name: str, days: int | None) -> None:
    """Make an API token for an account and print it once (only its hash is stored)."""
    from scheduler.operations import DomainError
    from scheduler.operations.api_tokens import issue_token

    with current_app.extensions["db_sessionmaker"]() as session:
        try:
            token, plain = issue_token(session, _user_by_email(session, email), name=name, now=utcnow(),
                                       valid_for=None if days is None else timedelta(days=days))
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
        until = f", valid until {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else ""
        click.echo(f"Token {token.id} ({token.name}) for {email}{until}; shown once, store it now:", err=True)
        click.echo(plain)


@users_group.command("revoke-token")
@click.option("--email", required=True)
@click.option("--name", default=None, help="Revoke only the tokens with this name (default: all of the account's).")
def users_revoke_token(email: str, name: str | None) -> None:
    """Revoke an account's API tokens; calls with them are refused from the next request on."""
    from scheduler.operations.api_tokens import revoke_tokens

    with current_app.extensions["db_sessionmaker"]() as session:
        revoked = revoke_tokens(session, _user_by_email(session, email), name=name, now=utcnow())
        session.commit()
    click.echo(f"Revoked {len(revoked)} token(s) of {email}.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when the database has no users yet.")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Load demo data (idempotent) and print the demo logins."""
    from scheduler.cli.demo import DEMO_PASSWORD, seed_demo

    with current_app.extensions["db_sessionmaker"]() as session:
        logins = seed_demo(session, now=utcnow(), only_if_empty=if_empty)
        session.commit()
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, email in logins:
        click.echo(f"  {role:<12} {email}")


SETUP_FIELDS = {"agency_name": "--agency-name", "timezone": "--timezone", "phone": "--phone",
                "admin_email": "--admin-email", "admin_name": "--admin-name", "password": "password"}


@click.command("setup")
@click.option("--agency-name", help="The agency's name, as patients read it in reminders.")
@click.option("--timezone", help="IANA time zone of the agency, e.g. America/Chicago.")
@click.option("--phone", help="The number patients call to change a visit.")
@click.option("--admin-email", help="Login email of the first administrator.")
@click.option("--admin-name", help="Full name of the first administrator.")
@with_appcontext
def setup_command(agency_name, timezone, phone, admin_email, admin_name) -> None:
    """A real agency's first step: create the agency and its first admin (once; the password is
    prompted and never echoed). Then add coordinators and nurses, import patients, invite them."""
    from scheduler.operations.checks import InvalidValues
    from scheduler.operations.setup import AlreadySetUp, set_up_agency
    from scheduler.models import Agency
    from sqlalchemy import select

    with current_app.extensions["db_sessionmaker"]() as session:
        # Refused before asking anything: a second run must not look as if it could work.
        if session.scalar(select(Agency.id).limit(1)) is not None:
            raise click.ClickException("This installation already has an agency; `flask setup` runs only once. "
                                       "Add accounts with `flask users create`.")
        agency_name = agency_name or click.prompt("Agency name")
        timezone = timezone or click.prompt("Time zone", default=current_app.config["AGENCY_TIMEZONE"])
        phone = phone or click.prompt("Agency phone (patients call it)")
        admin_email = admin_email or click.prompt("First admin's email")
        admin_name = admin_name or click.prompt("First admin's full name")
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            agency, admin = set_up_agency(session, agency_name=agency_name, timezone=timezone, phone=phone,
                                          admin_email=admin_email, admin_name=admin_name, password=password,
                                          now=utcnow())
        except InvalidValues as exc:
            lines = [f"{SETUP_FIELDS.get(name, name)}: {message}" for name, message in exc.errors.items()]
            raise click.ClickException("nothing was saved.\n  " + "\n  ".join(lines)) from None
        except AlreadySetUp as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"Agency {agency.name} ({agency.timezone}, {agency.phone_e164}) set up; "
               f"{admin.email} can log in as admin.")
    click.echo("Next: add coordinators and nurses (flask users create / the Nurses page), import patients "
               "(flask import patients FILE.csv), then start the app (make run).")


import_group = AppGroup("import", help="Import patients from a spreadsheet (CSV).")


@import_group.command("patients")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--dry-run", is_flag=True, help="Check every row and list the problems; change nothing.")
@click.option("--as", "as_email", default=None, help="The coordinator or admin the audit log names (default: the first admin).")
def import_patients_command(csv_file, dry_run: bool, as_email: str | None) -> None:
    """Import patients from CSV_FILE (columns: see docs/sample-patients.csv). All or nothing:
    one bad row and nothing is imported; the same file twice creates no duplicates."""
    from scheduler.operations.imports import import_patients

    _run_import(import_patients, csv_file.read(), dry_run=dry_run, as_email=as_email, what="patient(s)")


@import_group.command("nurses")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--dry-run", is_flag=True, help="Check every row and list the problems; change nothing.")
@click.option("--as", "as_email", default=None, help="The coordinator or admin the audit log names (default: the first admin).")
def import_nurses_command(csv_file, dry_run: bool, as_email: str | None) -> None:
    """Import nurses from CSV_FILE (columns: see docs/sample-nurses.csv), matched on their login
    email. Each new nurse's temporary password is printed once: hand it to her in person."""
    from scheduler.operations.imports import import_nurses

    _run_import(import_nurses, csv_file.read(), dry_run=dry_run, as_email=as_email, what="nurse(s)")


def _run_import(operation, text: str, *, dry_run: bool, as_email: str | None, what: str) -> None:
    from sqlalchemy import select

    from scheduler.models import User
    from scheduler.operations.imports import ImportRefused

    with current_app.extensions["db_sessionmaker"]() as session:
        actor = _user_by_email(session, as_email) if as_email else session.scalar(
            select(User).where(User.role == "admin", User.is_active.is_(True)).order_by(User.id).limit(1))
        if actor is None or actor.role not in ("admin", "coordinator"):
            raise click.ClickException("No admin to record the import as: run `flask setup`, or pass --as EMAIL.")
        try:
            report = operation(session, text, actor=actor, now=utcnow(), dry_run=dry_run,
                               agency_zone=current_app.config["AGENCY_TIMEZONE"],
                               geocoder=current_app.extensions["geocoder"])
        except ImportRefused as exc:
            report = exc.report
        for problem in report.problems:
            click.echo(problem.sentence(), err=True)
        if report.problems or dry_run:
            session.rollback()
        if report.problems:
            raise click.ClickException(f"{len(report.problems)} problem(s); nothing was imported.")
        if dry_run:
            click.echo(f"Dry run: every row is fine; {report.created} new {what}, {report.updated} to update.")
            return
        session.commit()
    click.echo(f"Imported: {report.created} new {what}, {report.updated} updated.")
    for email, password in report.new_logins:
        click.echo(f"  {email}  temporary password: {password}")


reminders_group = AppGroup("reminders", help="The reminder worker.")


@reminders_group.command("run")
@click.option("--interval-seconds", default=10.0, show_default=True)
def reminders_run(interval_seconds: float) -> None:
    """Run the reminder worker in this process until SIGTERM or Ctrl-C."""
    from scheduler.reminders.worker import run_worker

    run_worker(current_app.config, current_app.instance_path, interval_seconds=interval_seconds)


def served_base_url(host: str, port: int) -> str:
    """The address a browser reaches for `flask run --host HOST --port PORT`: a wildcard host
    listens on every interface, so the machine's name stands for it."""
    if host in ("0.0.0.0", "::", ""):  # nosec B104 - compared with the option, never bound
        host = socket.getfqdn()
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@click.command("run-all")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def run_all_command(host: str, port: int) -> None:
    """Start the web app and the reminder worker as two processes; Ctrl-C stops both."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    served = served_base_url(host, port)
    # Links in the worker's messages point where this web app actually listens, unless set.
    env = {**os.environ, "PUBLIC_BASE_URL": current_app.config["PUBLIC_BASE_URL"] or served}
    children = [
        subprocess.Popen([*flask, "run", "--host", host, "--port", str(port), "--no-reload"], env=env),
        subprocess.Popen([*flask, "reminders", "run"], env=env),
    ]
    click.echo(f"Web app on {served}  (worker pid {children[1].pid}); Ctrl-C stops both.")
    click.echo(f"Links in messages point to {env['PUBLIC_BASE_URL']} (set PUBLIC_BASE_URL to change).")

    def stop(signum, _frame):
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            try:
                children[0].wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
    except KeyboardInterrupt:
        pass  # the terminal sent SIGINT to the children too
    finally:
        stop(signal.SIGTERM, None)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    crashed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
    if crashed:
        raise click.ClickException(f"{' and '.join(' '.join(c.args[4:6]) for c in crashed)} exited with an error")


audit_group = AppGroup("audit", help="The audit log.")


@audit_group.command("verify")
def audit_verify() -> None:
    """Recompute the audit log's hash chain; exit 1 if a row was edited or deleted."""
    from scheduler.operations.audit import verify_chain

    with current_app.extensions["db_sessionmaker"]() as session:
        report = verify_chain(session)
    if not report.ok:
        click.echo(f"BROKEN at row {report.broken_at_id}: {report.problem}. {report.rows} rows before it verify.", err=True)
        raise SystemExit(1)
    # Record the head hash somewhere else (a ticket, a notebook): deleting the newest rows
    # leaves a shorter chain that still verifies, but not with this head.
    click.echo(f"OK: {report.rows} rows verify; head hash {report.head_hash}")
