"""A real agency's first day: `flask setup` (agency and first admin, once), the page a fresh
install shows instead of a login nobody can pass, where `make run` listens, and the public
address links point to."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scheduler.app import create_app
from scheduler.models import Agency, Patient, User

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "a long agency password"
OPTIONS = ["--agency-name", "Prairie Home Infusion", "--timezone", "America/Denver", "--phone", "(303) 555-0100",
           "--admin-email", "Boss@Prairie.example", "--admin-name", "Beth Boss"]


def _setup(runner, options=OPTIONS, password=PASSWORD):
    return runner.invoke(args=["setup", *options], input=f"{password}\n{password}\n")


def _count(session, model):
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_setup_creates_the_agency_and_its_first_admin_without_echoing_the_password(app, runner, session, client):
    result = _setup(runner)
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    agency = session.scalar(select(Agency))
    assert (agency.name, agency.timezone, agency.phone_e164) == ("Prairie Home Infusion", "America/Denver", "+13035550100")
    admin = session.scalar(select(User))
    assert (admin.email, admin.role, admin.full_name) == ("boss@prairie.example", "admin", "Beth Boss")
    session.rollback()
    assert client.post("/login", data={"email": "boss@prairie.example", "password": PASSWORD}).status_code == 302


def test_setup_refuses_to_run_twice(app, runner, session):
    assert _setup(runner).exit_code == 0
    again = _setup(runner, options=[*OPTIONS[:-4], "--admin-email", "other@prairie.example", "--admin-name", "O"])
    assert again.exit_code != 0 and "runs only once" in again.output
    assert (_count(session, Agency), _count(session, User)) == (1, 1)


def test_setup_names_every_bad_field_and_saves_nothing(app, runner, session):
    bad = ["--agency-name", "Prairie", "--timezone", "Mars/Olympus", "--phone", "12", "--admin-email", "boss",
           "--admin-name", "Beth"]
    result = _setup(runner, options=bad, password="short")
    assert result.exit_code != 0
    for shown in ("--timezone: Unknown time zone", "--phone: This is not a valid phone number",
                  "--admin-email: This is not a valid email", "password:", "nothing was saved"):
        assert shown in result.output
    assert (_count(session, Agency), _count(session, User)) == (0, 0)


def test_setup_prompts_for_what_was_not_given(app, runner, session):
    answers = ["Lakeside Infusion", "", "(312) 555-0100", "admin@lakeside.example", "Al Admin", PASSWORD, PASSWORD]
    result = runner.invoke(args=["setup"], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert session.scalar(select(Agency.timezone)) == "America/Chicago"  # the default offered


def test_a_fresh_install_says_what_to_run_instead_of_a_login(app, runner, client):
    response = client.get("/login")
    body = response.get_data(as_text=True)
    assert response.status_code == 200  # a page to read, not an error (monitoring polls /login)
    assert "flask --app wsgi setup" in body and "seed-demo" in body and 'name="password"' not in body
    assert _setup(runner).exit_code == 0
    response = client.get("/login")
    assert response.status_code == 200 and 'name="password"' in response.get_data(as_text=True)


def test_the_agency_zone_from_setup_is_the_app_zone(app, runner, monkeypatch):
    monkeypatch.delenv("AGENCY_TIMEZONE", raising=False)
    assert _setup(runner).exit_code == 0
    again = create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "x" * 32,
                        "PROTOCOL_FILE": app.config["PROTOCOL_FILE"]})
    assert again.config["AGENCY_TIMEZONE"] == "America/Denver"
    again.extensions["db_engine"].dispose()


def test_public_base_url_defaults_to_the_address_served(app):
    from scheduler.web.helpers import public_base_url

    app.config["PUBLIC_BASE_URL"] = ""
    with app.test_request_context("/", base_url="http://clinic.example:8080/"):
        assert public_base_url() == "http://clinic.example:8080"
    app.config["PUBLIC_BASE_URL"] = "https://infusion.example.org/"
    with app.test_request_context("/", base_url="http://127.0.0.1:8080/"):
        assert public_base_url() == "https://infusion.example.org"


class _FakeChild:
    started: list = []

    def __init__(self, args, env):
        self.args, self.env, self.pid, self.returncode = args, env, 4242, None
        _FakeChild.started.append(self)

    def poll(self):
        self.returncode = 0
        return 0

    def wait(self, timeout=None):
        return 0

    def send_signal(self, signum):
        pass


def test_run_all_serves_where_asked_and_hands_that_address_to_the_worker(app, runner, monkeypatch):
    import scheduler.cli as cli

    _FakeChild.started = []
    monkeypatch.setattr(cli.subprocess, "Popen", lambda args, env: _FakeChild(args, env))
    monkeypatch.setattr(cli.signal, "signal", lambda *a: None)
    app.config["PUBLIC_BASE_URL"] = ""
    result = runner.invoke(args=["run-all", "--host", "127.0.0.2", "--port", "8081"])
    assert result.exit_code == 0, result.output
    web, worker = _FakeChild.started
    assert web.args[-5:] == ["--host", "127.0.0.2", "--port", "8081", "--no-reload"]
    assert web.env["PUBLIC_BASE_URL"] == worker.env["PUBLIC_BASE_URL"] == "http://127.0.0.2:8081"
    assert "http://127.0.0.2:8081" in result.output


def test_run_all_refuses_a_port_out_of_range(runner):
    result = runner.invoke(args=["run-all", "--port", "70000"])
    assert result.exit_code == 2 and "--port" in result.output


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_takes_host_and_port():
    result = subprocess.run(["make", "-n", "run", "HOST=0.0.0.0", "PORT=8081"], cwd=REPO, capture_output=True,
                            text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "HOST": "zsh-hostname"})
    assert "run-all --host 0.0.0.0 --port 8081" in result.stdout, result.stdout + result.stderr
    default = subprocess.run(["make", "-n", "run"], cwd=REPO, capture_output=True, text=True, timeout=60,
                             env={"PATH": "/usr/bin:/bin", "HOST": "zsh-hostname"})
    assert "run-all --host 127.0.0.1 --port 5000" in default.stdout


@pytest.mark.parametrize("instant", [datetime(2026, 11, 19, 23, 0, tzinfo=UTC), datetime(2026, 11, 22, 3, 0, tzinfo=UTC)])
def test_demo_patients_with_portal_logins_have_visits_and_draws_ahead(runner, session, instant):
    """Late in the week and on a Sunday night: the demo's logins still see visits and draws ahead."""
    import time_machine

    from scheduler.operations.portal import overview

    with time_machine.travel(instant, tick=False):
        assert runner.invoke(args=["seed-demo"]).exit_code == 0
        with_login = session.scalars(select(Patient).where(Patient.user_id.is_not(None))).all()
        assert len(with_login) >= 2
        for patient in with_login:
            page = overview(session, patient, now=instant)
            assert page.visits and any(d.due_at > instant for d in page.draws), patient.first_name
