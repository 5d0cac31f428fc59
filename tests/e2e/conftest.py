"""Browser journeys: Debian's Chromium driven by Playwright against a real server process.

The app runs as `flask run-all` (web + reminder worker) on 127.0.0.1 with its own database
(on the suite's backend) and a local SMTP server (aiosmtpd) catching the reminder emails.
Playwright's own browser download needs the internet, so the system Chromium is used: in
CI a missing browser fails the suite; on a developer machine the journeys are skipped with
the command that installs it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from tests.conftest import new_migrated_database

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# Headless, no GPU, and nothing that phones home: this machine's network is closed, and
# Chromium's background connections would otherwise be refused many at a time.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
]
AXE_JS = REPO / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "test-results" / "screenshots"
DEMO_PASSWORD = "demo-infusion-2026"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture(autouse=True)
def clock():
    """The journeys run on the machine's clock, not the suite's chosen instant: Chromium checks
    cookie expiry (the 15-minute idle session) against its own clock, which a test cannot move.
    So the test process, the server and the browser share the real clock, and each journey
    places its data relative to now in a way that holds at
    any hour; CI runs them at whatever hour it is."""
    yield None


def require(path: Path, how: str) -> None:
    if path.exists():
        return
    message = f"{path} is missing: {how}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mailbox:
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler protocol
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@dataclass
class LiveServer:
    url: str
    database_url: str
    mailbox: Mailbox
    _engine: object = None

    def engine(self):
        """One engine for the tests' own reads and set-up writes, disposed at the end (an
        engine per call left PostgreSQL connections to the garbage collector)."""
        if self._engine is None:
            self._engine = create_engine(self.database_url)
        return self._engine


@pytest.fixture(scope="session")
def smtp():
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    # aiosmtpd cannot take port 0 (it connects to the literal port to check it started).
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, smtp):
    controller, mailbox = smtp
    directory = tmp_path_factory.mktemp("e2e")
    with new_migrated_database(directory) as database_url:
        port = free_port()
        env = {
            **os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "e2e-" + os.urandom(8).hex(),
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(controller.port), "SMTP_STARTTLS": "0",
            "MAIL_FROM": "reminders@e2e.example",
        }
        env.pop("PROTOCOL_FILE", None)  # the shipped protocol, whatever this shell has set
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        subprocess.run([*flask, "seed-demo"], cwd=REPO, env=env, check=True, capture_output=True)
        log = directory / "server.log"
        with log.open("w") as out:
            server = subprocess.Popen([*flask, "run-all", "--port", str(port)], cwd=REPO, env=env, stdout=out,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_until_up(f"http://127.0.0.1:{port}/login", log)
            live = LiveServer(f"http://127.0.0.1:{port}", database_url, mailbox)
            yield live
            if live._engine is not None:
                live._engine.dispose()
        finally:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def _wait_until_up(url: str, log: Path, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start; log:\n{log.read_text()}") from None
            time.sleep(0.2)


@pytest.fixture(scope="session")
def browser():
    require(CHROMIUM, "install Debian's Chromium with `apt-get install chromium` (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser, live_server, *, viewport=DESKTOP, bypass_csp=False):
    """A fresh browser context (its own cookies: a fresh profile) and page. Only the
    accessibility check bypasses the CSP, to inject axe-core; the journeys run under it."""
    context = browser.new_context(viewport=viewport, base_url=live_server.url, bypass_csp=bypass_csp)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def log_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def submit_form(page, step: str, fields: dict, button: str) -> None:
    """Fill one documentation form of the visit page by its labels, send it, expect no error."""
    form = page.locator(f"form#{step}")
    for label, value in fields.items():
        control = form.get_by_label(label, exact=True)
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    form.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    errors = page.locator(".errors, .flash-error")
    assert errors.count() == 0, errors.all_inner_texts()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations on the page."""
    require(AXE_JS, "run `npm install --prefix .cache/axe axe-core@4` (make test does)")
    page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
