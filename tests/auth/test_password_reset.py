"""Resetting a forgotten password through the e-mailed link, read from the outbox."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import EmailMessage, PasswordReset, utcnow
from tests.auth.helpers import (
    browser_with,
    cookies_of,
    flashed_messages,
    is_signed_in,
    location,
    log_in,
    page_text,
)
from tests.factories import TEST_PASSWORD, make_password_reset, make_staff, sent_text

NEW_PASSWORD = "a brand new passphrase"
RESET_SENT = "If that address has an account, we've sent it a link to choose a new password."
UNKNOWN = "nobody@agency.example"


@pytest.fixture
def staff(app):
    """A staff member who may ask for a reset."""
    with app.app_context():
        return make_staff(email="sam@agency.example", name="Sam Staff")


def ask_for_reset(browser, email):
    return browser.post("/reset", data={"email": email})


def emails(app) -> list[EmailMessage]:
    with app.app_context():
        return db.session.scalars(select(EmailMessage).order_by(EmailMessage.id)).all()


def reset_link_path(app, message: EmailMessage) -> str:
    """The path of the one reset link in the e-mail's plain text, as sent."""
    with app.app_context():
        text = sent_text(message)
    links = re.findall(r"https?://\S+/reset/\S+", text)
    assert len(links) == 1, text
    return urlsplit(links[0]).path


def emailed_reset_path(app, browser, user) -> str:
    assert location(ask_for_reset(browser, user.email)) == "/login"
    latest = [message for message in emails(app) if message.to_address == user.email][-1]
    return reset_link_path(app, latest)


def headers_but_cookies(response) -> list[tuple[str, str]]:
    return sorted((name, value) for name, value in response.headers if name != "Set-Cookie")


def choose_password(browser, path, password=NEW_PASSWORD, confirm=None):
    return browser.post(path, data={"password": password, "confirm": confirm or password})


def test_known_and_unknown_addresses_get_identical_answers(new_browser, staff):
    known_browser, unknown_browser = new_browser(), new_browser()

    known = ask_for_reset(known_browser, staff.email)
    unknown = ask_for_reset(unknown_browser, UNKNOWN)

    assert known.status_code == unknown.status_code == 302
    assert location(known) == location(unknown) == "/login"
    assert known.get_data() == unknown.get_data()
    assert headers_but_cookies(known) == headers_but_cookies(unknown)
    shown_known = flashed_messages(known_browser.get(location(known)))
    shown_unknown = flashed_messages(unknown_browser.get(location(unknown)))
    assert shown_known == shown_unknown == [RESET_SENT]


def test_only_a_known_address_gets_an_email(app, client, staff):
    ask_for_reset(client, UNKNOWN)
    assert emails(app) == []

    ask_for_reset(client, staff.email)

    (message,) = emails(app)
    assert message.to_address == staff.email
    assert message.to_user_id == staff.id
    assert message.status == "logged"
    assert reset_link_path(app, message).startswith("/reset/")


def test_the_address_is_matched_case_insensitively(app, client, staff):
    ask_for_reset(client, staff.email.upper())
    assert [message.to_address for message in emails(app)] == [staff.email]


def test_a_deactivated_user_gets_the_same_answer_and_no_email(app, client):
    with app.app_context():
        gone = make_staff(email="gone@agency.example", active=False)
    response = ask_for_reset(client, gone.email)
    assert location(response) == "/login"
    assert flashed_messages(client.get("/login")) == [RESET_SENT]
    assert emails(app) == []


def test_the_stored_token_is_a_hash_not_the_token_in_the_link(app, client, staff):
    path = emailed_reset_path(app, client, staff)
    token = path.rsplit("/", 1)[1]
    with app.app_context():
        (stored,) = db.session.scalars(select(PasswordReset.token_hash)).all()
    assert token not in stored
    assert len(stored) == 64


def test_the_emailed_link_sets_a_new_password(app, new_browser, staff):
    path = emailed_reset_path(app, new_browser(), staff)
    browser = new_browser()

    assert browser.get(path).status_code == 200
    response = choose_password(browser, path)

    assert location(response) == "/login"
    assert log_in(new_browser(), staff.email, TEST_PASSWORD).status_code == 401
    signed_in = new_browser()
    assert log_in(signed_in, staff.email, NEW_PASSWORD).status_code == 302
    assert is_signed_in(signed_in)


def test_the_link_works_only_once(app, client, staff):
    path = emailed_reset_path(app, client, staff)
    assert location(choose_password(client, path)) == "/login"

    again = choose_password(client, path, "yet another passphrase")

    assert again.status_code == 410
    assert "expired or has already been used" in page_text(again)
    assert client.get(path).status_code == 410
    assert log_in(client, staff.email, "yet another passphrase").status_code == 401


def test_using_one_link_spends_every_other_link_of_that_user(app, client, staff):
    first = emailed_reset_path(app, client, staff)
    second = emailed_reset_path(app, client, staff)
    assert first != second

    choose_password(client, second)

    assert client.get(first).status_code == 410


def test_an_expired_link_is_gone(app, client, staff):
    with app.app_context():
        make_password_reset("expired-token", staff, expires_in=timedelta(minutes=-1))
    assert client.get("/reset/expired-token").status_code == 410
    assert choose_password(client, "/reset/expired-token").status_code == 410
    assert log_in(client, staff.email, NEW_PASSWORD).status_code == 401


def test_a_link_still_in_date_works(app, client, staff):
    with app.app_context():
        make_password_reset("fresh-token", staff, expires_in=timedelta(minutes=1))
    assert location(choose_password(client, "/reset/fresh-token")) == "/login"


def test_an_unknown_token_is_gone(client):
    assert client.get("/reset/no-such-token").status_code == 410


def test_a_reset_ends_the_users_other_sessions(app, new_browser, staff):
    signed_in = new_browser()
    log_in(signed_in, staff.email, remember=True)
    remembered = cookies_of(signed_in, "session", "remember_token")
    path = emailed_reset_path(app, new_browser(), staff)

    choose_password(new_browser(), path)

    assert not is_signed_in(signed_in)
    assert not is_signed_in(browser_with(new_browser, remembered))


def test_a_too_short_password_gets_422_and_the_link_stays_usable(app, client, staff):
    path = emailed_reset_path(app, client, staff)

    response = choose_password(client, path, "short")

    assert response.status_code == 422
    assert "Use at least 10 characters." in page_text(response)
    assert log_in(client, staff.email, "short").status_code == 401
    assert client.get(path).status_code == 200
    assert location(choose_password(client, path)) == "/login"
    assert log_in(client, staff.email, NEW_PASSWORD).status_code == 302


def test_passwords_that_dont_match_get_422(app, client, staff):
    path = emailed_reset_path(app, client, staff)
    response = choose_password(client, path, NEW_PASSWORD, "something else entirely")
    assert response.status_code == 422
    assert "The two passwords don't match." in page_text(response)
    assert client.get(path).status_code == 200


def test_the_reset_expires_after_the_configured_time(app, client, staff):
    emailed_reset_path(app, client, staff)
    with app.app_context():
        (reset,) = db.session.scalars(select(PasswordReset)).all()
    lifetime = reset.expires_at - reset.created_at
    assert abs(lifetime - app.config["PASSWORD_RESET_TTL"]) < timedelta(seconds=5)
    assert utcnow() < reset.expires_at


def test_an_address_on_an_internal_domain_can_ask_for_a_reset(app, client):
    with app.app_context():
        user = make_staff(email="admin@corp.local")
    response = client.post("/reset", data={"email": user.email})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EmailMessage)) == 1
