"""The application factory and its configuration."""

import os
import stat

import pytest

from scheduler.app import create_app
from scheduler.config import ConfigError, instance_secret_key


def test_test_config_overrides_environment(database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "x" * 32})
    assert app.testing
    assert app.config["DATABASE_URL"] == database_url


def test_without_test_config_the_app_is_not_in_testing_mode(monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app()
    assert not app.testing
    assert app.config["SECRET_KEY"] == "from-the-environment"


def test_secret_key_is_generated_once_and_readable_by_owner_only(tmp_path):
    first = instance_secret_key(tmp_path)
    second = instance_secret_key(tmp_path)
    assert first == second
    assert len(first) >= 64
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_unknown_agency_timezone_is_refused_with_the_variable_named(database_url):
    with pytest.raises(ConfigError, match="AGENCY_TIMEZONE"):
        create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k", "AGENCY_TIMEZONE": "Mars/Olympus"})


def test_postgres_url_without_driver_is_refused_with_a_hint():
    with pytest.raises(ConfigError, match=r"postgresql\+psycopg"):
        create_app({"DATABASE_URL": "postgresql://u@localhost/db", "SECRET_KEY": "k"})


def test_responses_carry_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
