"""Helpers for page tests: a client logged in with a given role, and where a form shows
an error."""

from __future__ import annotations

from tests.factories import PASSWORD, make_user


def logged_in_client(app, session, role: str = "coordinator", email: str | None = None):
    user = make_user(session, role=role, email=email)
    session.commit()
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, f"login as {role} failed"
    return client


def error_beside(page: str, field: str, message: str) -> bool:
    """The message is in the error list tied to the field (its aria-describedby target)."""
    start = page.find(f'id="{field}-errors"')
    return start != -1 and message in page[start:start + 600]
