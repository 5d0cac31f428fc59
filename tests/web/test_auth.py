"""Login, logout, CSRF and the deny-by-default route policy."""

import re

import pytest

from scheduler.app import create_app
from scheduler.web.access import PUBLIC
from tests.factories import PASSWORD, make_user


@pytest.fixture
def coordinator(session):
    user = make_user(session, role="coordinator", email="coord@example.org")
    session.commit()
    return user


def test_login_with_the_right_password_reaches_the_start_page(client, auth, coordinator):
    response = auth.login("coord@example.org", PASSWORD)
    assert response.status_code == 302
    page = client.get("/", follow_redirects=True)  # coordinators start on the dashboard
    assert page.status_code == 200
    assert coordinator.full_name in page.get_data(as_text=True)


def test_email_is_matched_without_regard_to_case(client, auth, coordinator):
    assert auth.login("Coord@Example.ORG", PASSWORD).status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_generic_message(client, auth, coordinator):
    wrong_password = auth.login("coord@example.org", "not the password at all")
    unknown_email = auth.login("nobody@example.org", PASSWORD)
    for response in (wrong_password, unknown_email):
        assert response.status_code == 401
        assert "Email or password is not correct." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not logged in


def test_entered_email_is_kept_after_a_failed_login(auth, coordinator):
    body = auth.login("coord@example.org", "wrong password here").get_data(as_text=True)
    assert 'value="coord@example.org"' in body


def test_disabled_account_cannot_log_in(session, auth, coordinator):
    coordinator.is_active = False
    session.commit()
    assert auth.login("coord@example.org", PASSWORD).status_code == 401


def test_pages_need_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_does_not_redirect_off_site(client, coordinator):
    response = client.post("/login?next=https://evil.example/phish", data={"email": "coord@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_logout_makes_a_replayed_cookie_useless(app, auth, client, coordinator):
    auth.login("coord@example.org", PASSWORD)
    stolen = client.get_cookie("session").value
    auth.logout()
    other = app.test_client()
    other.set_cookie("session", stolen)
    response = other.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_post_without_csrf_token_is_refused(database_url, session, coordinator):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "k" * 32, "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    response = client.post("/login", data={"email": "coord@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "form had expired" in response.get_data(as_text=True)
    # With the token from the page, the same login succeeds.
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": "coord@example.org", "password": PASSWORD, "csrf_token": token.group(1)})
    assert response.status_code == 302
    app.extensions["db_engine"].dispose()


def test_every_endpoint_declares_who_may_reach_it(app):
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and getattr(app.view_functions[rule.endpoint], "allowed_roles", None) is None
    ]
    assert undeclared == []


def test_only_login_and_the_signed_reminder_endpoints_are_public(app):
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], "allowed_roles", None) == PUBLIC
    }
    # The SMS provider's webhook checks the request signature and the emailed unsubscribe
    # link its signed token (tests/web/test_reminder_pages.py): callers have no login.
    # The API's OpenAPI document describes the API and holds no data.
    # The nurse's re-authentication after idle saves nothing before the password is checked;
    # the offline worker of the nurse's pages is code only. A calendar feed is reached by its
    # own revocable token (tests/web/test_calendar_feeds.py). A portal invitation's link checks
    # its signed token and the invitation row (tests/web/test_invitations.py).
    assert public == {"auth.login", "reminders.sms_webhook", "reminders.unsubscribe", "api.openapi", "rounds.resume",
                      "rounds.service_worker", "feeds.feed_ics", "invitations.accept", "invitations.confirm_email"}
