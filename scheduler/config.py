"""Configuration from environment variables; the names are documented in README.md.

Nothing secret is a constant in code: SECRET_KEY comes from the environment or is
generated once into the instance folder, readable by the owner only.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Environment variables read at start-up, with their defaults (None: derived, see below).
ENV_SETTINGS: dict[str, str | None] = {
    "DATABASE_URL": None,  # default: sqlite:///<instance>/scheduler.sqlite3
    "SECRET_KEY": None,  # default: generated into <instance>/secret_key (mode 0600)
    "AGENCY_TIMEZONE": "America/Chicago",
    "SESSION_IDLE_MINUTES": "15",
    "SESSION_ABSOLUTE_HOURS": "12",  # a login ends this long after it began, active or not
    "BEHIND_HTTPS": "0",  # 1: served through a TLS-terminating proxy (one hop, X-Forwarded-*)
    "PROTOCOL_FILE": "",  # organisation protocol replacing the shipped default
    # Reminders. Email by SMTP when SMTP_HOST is set, SMS by a Twilio-style API when
    # SMS_API_URL and SMS_ACCOUNT_SID are; otherwise the console channel (instance folder).
    "SMTP_HOST": "",
    "SMTP_PORT": "25",
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": "0",
    "MAIL_FROM": "reminders@localhost",
    "SMS_API_URL": "",  # e.g. https://api.twilio.com/2010-04-01
    "SMS_ACCOUNT_SID": "",
    "SMS_AUTH_TOKEN": "",  # also checks the signature of inbound STOP / START webhooks
    "SMS_FROM": "",
    # For links in emails and the webhook signature. Empty: the address actually served (the
    # request's host for the web app; `run-all` hands its --host/--port to the worker).
    "PUBLIC_BASE_URL": "",
    "REMINDER_LEASE_SECONDS": "120",  # a claimed reminder not marked sent by then is due again
    "REMINDER_MAX_ATTEMPTS": "5",
    "REMINDER_BATCH_SIZE": "50",
    # Security limits (docs/SECURITY.md).
    "MAX_REQUEST_BYTES": str(4 * 1024 * 1024),  # a larger body is refused (413) before it is read
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": "10",  # per window; wrong current passwords count too
    "LOGIN_MAX_FAILURES_PER_IP": "50",
    "LOGIN_WINDOW_MINUTES": "15",
    "API_TOKEN_MAX_FAILURES_PER_IP": "20",  # refused bearer tokens per address per window
    "TRUSTED_PROXIES": "0",  # reverse proxies in front of the app whose X-Forwarded-* is believed
    # Addresses: the offline ZIP centre always; a geocoding service only when GEOCODER is set.
    "GEOCODER": "",  # nominatim or pelias
    "GEOCODER_URL": "",  # e.g. https://nominatim.example.org (never the public one without its permission)
    "GEOCODER_USER_AGENT": "",  # identifies the agency to the service (Nominatim's usage policy)
    "GEOCODER_API_KEY": "",  # Pelias only, if the server wants one
    "GEOCODER_MIN_DELAY_SECONDS": "1",  # at most one request a second by default
    "GEOCODER_TIMEOUT_SECONDS": "5",
}


# Files this app creates (the SQLite database with its WAL and journal, the console outbox, the
# secret key, an installed protocol) hold health data or secrets: owner only (0600), whatever
# the umask of the shell that started it. Set at app start and worker start.
PRIVATE_UMASK = 0o077


# Where `flask run` serves by default: what emailed links and calendar UIDs use when
# PUBLIC_BASE_URL is not set (`run-all` passes the address it actually serves).
LOCAL_BASE_URL = "http://127.0.0.1:5000"


def make_new_files_private() -> None:
    os.umask(PRIVATE_UMASK)


class ConfigError(RuntimeError):
    """Start-up configuration that cannot work; the message says which variable."""


def load_config(instance_path: str) -> dict:
    env = {name: os.environ.get(name, default) for name, default in ENV_SETTINGS.items()}
    if env["PROTOCOL_FILE"] and not Path(env["PROTOCOL_FILE"]).is_file():
        raise ConfigError(f"PROTOCOL_FILE={env['PROTOCOL_FILE']!r} does not exist or is not a file")
    config = {
        "DATABASE_URL": env["DATABASE_URL"] or f"sqlite:///{Path(instance_path) / 'scheduler.sqlite3'}",
        "SECRET_KEY": env["SECRET_KEY"],
        "AGENCY_TIMEZONE": env["AGENCY_TIMEZONE"],
        "SESSION_IDLE_MINUTES": int(env["SESSION_IDLE_MINUTES"]),
        # The organisation's protocol: the file named here, else the one installed into the
        # instance folder by `flask catalog install` or the admin page (if any), else the
        # shipped default.
        "PROTOCOL_FILE": env["PROTOCOL_FILE"] or str(Path(instance_path) / "protocol.toml"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SESSION_ABSOLUTE_HOURS": int(env["SESSION_ABSOLUTE_HOURS"]),
        "BEHIND_HTTPS": env["BEHIND_HTTPS"] == "1",
        **reminder_settings(env),
        **security_settings(env),
        **geocoder_settings(env),
    }
    if config["BEHIND_HTTPS"]:
        # The browser must never send the session over plain HTTP; the __Host- prefix
        # makes it refuse a cookie that is not Secure, host-only and for path "/".
        config.update(
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_SECURE=True,
            SESSION_COOKIE_NAME="__Host-session",
            PREFERRED_URL_SCHEME="https",
        )
    return config


def reminder_settings(env: dict) -> dict:
    texts = ("SMTP_HOST", "SMTP_USERNAME", "SMTP_PASSWORD", "MAIL_FROM", "SMS_API_URL", "SMS_ACCOUNT_SID",
             "SMS_AUTH_TOKEN", "SMS_FROM", "PUBLIC_BASE_URL")
    numbers = ("SMTP_PORT", "REMINDER_LEASE_SECONDS", "REMINDER_MAX_ATTEMPTS", "REMINDER_BATCH_SIZE")
    settings = {name: env[name] for name in texts} | whole_numbers(env, numbers)
    settings["SMTP_STARTTLS"] = env["SMTP_STARTTLS"] == "1"
    return settings


def security_settings(env: dict) -> dict:
    settings = whole_numbers(env, ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "LOGIN_MAX_FAILURES_PER_IP", "LOGIN_WINDOW_MINUTES",
                                   "API_TOKEN_MAX_FAILURES_PER_IP", "TRUSTED_PROXIES"))
    # Flask's own name: Werkzeug refuses a longer body with 413 even when it has no length.
    settings["MAX_CONTENT_LENGTH"] = whole_numbers(env, ("MAX_REQUEST_BYTES",))["MAX_REQUEST_BYTES"]
    return settings


def whole_numbers(env: dict, names) -> dict:
    settings = {}
    for name in names:
        try:
            settings[name] = int(env[name])
        except ValueError:
            raise ConfigError(f"{name}={env[name]!r} is not a whole number") from None
        if settings[name] < 0:
            raise ConfigError(f"{name}={env[name]!r} must not be negative")
    return settings


def geocoder_settings(env: dict) -> dict:
    settings = {name: env[name].strip() for name in ("GEOCODER", "GEOCODER_URL", "GEOCODER_USER_AGENT", "GEOCODER_API_KEY")}
    for name in ("GEOCODER_MIN_DELAY_SECONDS", "GEOCODER_TIMEOUT_SECONDS"):
        try:
            settings[name] = float(env[name])
        except ValueError:
            raise ConfigError(f"{name}={env[name]!r} is not a number of seconds") from None
    kind = settings["GEOCODER"].lower()
    if kind and kind not in ("nominatim", "pelias"):
        raise ConfigError(f"GEOCODER={settings['GEOCODER']!r}: choose nominatim or pelias, or leave it empty")
    if kind and not (settings["GEOCODER_URL"] and settings["GEOCODER_USER_AGENT"]):
        raise ConfigError("GEOCODER needs GEOCODER_URL and GEOCODER_USER_AGENT (who is asking, for the service)")
    return settings


def validate_config(config: dict) -> None:
    try:
        ZoneInfo(config["AGENCY_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"AGENCY_TIMEZONE={config['AGENCY_TIMEZONE']!r} is not an IANA time zone name") from exc
    url = config["DATABASE_URL"]
    if url.startswith("postgres://") or url.startswith("postgresql://"):
        # SQLAlchemy would pick psycopg2, which is not installed; say so instead of an
        # ImportError deep in start-up.
        raise ConfigError("DATABASE_URL must name the driver: postgresql+psycopg://user:pass@host/db")


def instance_secret_key(instance: Path) -> str:
    """The key generated once into the instance folder (mode 0600), shared by all processes."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    # O_EXCL: two processes starting at once must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
