"""State-changing requests without a CSRF token are refused with 400 and change nothing."""

import re

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Client
from tests.auth.helpers import is_signed_in, location, log_in, page_text
from tests.factories import TEST_PASSWORD, sign_in

EXPIRED_FORM = "Your form expired or came from elsewhere. Reload and resubmit."


def client_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Client))


def form_token(page) -> str:
    """The hidden csrf_token field of the form on ``page``."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page_text(page))
    assert match is not None, "no csrf_token field on the page"
    return match.group(1)


def test_login_without_a_token_is_refused(client, staff):
    response = log_in(client, staff.email, csrf=False)
    assert response.status_code == 400
    assert EXPIRED_FORM in page_text(response)
    assert not is_signed_in(client)


def test_login_with_the_header_token_works(client, staff):
    assert location(log_in(client, staff.email)) == "/"
    assert is_signed_in(client)


def test_login_with_the_token_from_the_form_works(client, staff):
    token = form_token(client.get("/login"))
    response = client.post(
        "/login",
        data={"email": staff.email, "password": TEST_PASSWORD, "csrf_token": token},
        csrf=False,
    )
    assert location(response) == "/"
    assert is_signed_in(client)


def test_login_with_a_forged_token_is_refused(client, staff):
    client.get("/login")
    response = client.post(
        "/login",
        data={"email": staff.email, "password": TEST_PASSWORD},
        headers={"X-CSRFToken": "forged"},
        csrf=False,
    )
    assert response.status_code == 400
    assert not is_signed_in(client)


def test_logout_without_a_token_is_refused_and_leaves_you_signed_in(client, staff):
    log_in(client, staff.email)
    response = client.post("/logout", csrf=False)
    assert response.status_code == 400
    assert is_signed_in(client)


def test_logout_with_the_token_works(client, staff):
    log_in(client, staff.email)
    assert location(client.post("/logout")) == "/login"
    assert not is_signed_in(client)


def test_creating_a_client_without_a_token_is_refused_and_creates_nothing(app, client, admin):
    sign_in(client, admin)
    response = client.post("/admin/clients", data={"name": "Sneaky Co"}, csrf=False)
    assert response.status_code == 400
    assert client_count(app) == 0


def test_creating_a_client_with_the_token_works(app, client, admin):
    sign_in(client, admin)
    response = client.post("/admin/clients", data={"name": "Honest Co"})
    assert location(response) == "/admin/clients/honest-co/team"
    assert client_count(app) == 1


def test_a_token_from_another_session_is_refused(new_browser, app, admin):
    other = new_browser()
    token = form_token(other.get("/login"))
    browser = new_browser()
    sign_in(browser, admin)
    assert form_token(browser.get("/admin/clients")) != token
    response = browser.post(
        "/admin/clients", data={"name": "Sneaky Co", "csrf_token": token}, csrf=False
    )
    assert response.status_code == 400
    assert client_count(app) == 0
