"""Helpers for the API tests: a token for a user, and JSON calls carrying it."""

from __future__ import annotations

from scheduler.clock import utcnow
from scheduler.operations.api_tokens import issue_token


def make_token(session, user, *, name="tests") -> str:
    _, plain = issue_token(session, user, name=name, now=utcnow())
    session.commit()
    return plain


def bearer(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


class Api:
    """A test client that sends the token and JSON on every call."""

    def __init__(self, client, token: str):
        self.client, self.token = client, token

    def call(self, method: str, path: str, json=None, headers=None, **kwargs):
        return self.client.open("/api/v1" + path, method=method, json=json, headers=bearer(self.token, **(headers or {})),
                                **kwargs)

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.call("POST", path, json=json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.call("PATCH", path, json=json, **kwargs)
