"""Signing in through the real form: who gets in, where they land, and what the cookies are."""

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from portal.extensions import db
from portal.models import User, utcnow
from tests.auth.helpers import (
    DOMAIN,
    LOGIN_FAILED,
    flashed_messages,
    is_signed_in,
    location,
    log_in,
    page_text,
    set_cookie_attributes,
)
from tests.factories import TEST_PASSWORD, make_client, make_client_user, make_staff

NEW_PASSWORD = "a brand new passphrase"


def stored_hash(app, user_id) -> str:
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.id == user_id))


def test_the_sign_in_page_shows_the_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="email"' in page_text(response)
    assert 'name="password"' in page_text(response)


def test_signing_in_with_the_form_lands_on_home(client, staff):
    response = log_in(client, staff.email)
    assert response.status_code == 302
    assert location(response) == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert staff.name in page_text(home)


def test_a_client_user_lands_on_their_organisations_page(client, app):
    with app.app_context():
        acme = make_client("Acme")
        person = make_client_user(acme)
    assert location(log_in(client, person.email)) == "/"
    assert location(client.get("/")) == "/clients/acme"


def test_a_wrong_password_gets_401_and_a_clear_message(client, staff):
    response = log_in(client, staff.email, "not the password")
    assert response.status_code == 401
    assert flashed_messages(response) == [LOGIN_FAILED]
    assert not is_signed_in(client)


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(client, staff):
    wrong_password = log_in(client, staff.email, "not the password")
    unknown_email = log_in(client, "nobody@agency.test", "not the password")
    assert unknown_email.status_code == wrong_password.status_code == 401
    assert flashed_messages(unknown_email) == flashed_messages(wrong_password) == [LOGIN_FAILED]


@pytest.mark.parametrize(
    "spell", [str.upper, str.title, lambda email: f"  {email.swapcase()} "], ids=repr
)
def test_the_email_is_matched_case_insensitively(client, staff, spell):
    response = log_in(client, spell(staff.email))
    assert response.status_code == 302
    assert is_signed_in(client)


def test_an_address_stored_with_capitals_is_found_in_lower_case(client, app):
    with app.app_context():
        person = make_staff(email="Pat.Smith@Agency.TEST")
    assert log_in(client, "pat.smith@agency.test").status_code == 302
    assert is_signed_in(client)
    assert person.email == "pat.smith@agency.test"


def test_a_deactivated_user_cannot_sign_in(client, app):
    with app.app_context():
        gone = make_staff(active=False)
    response = log_in(client, gone.email)
    assert response.status_code == 401
    assert flashed_messages(response) == [LOGIN_FAILED]
    assert not is_signed_in(client)


def test_a_user_of_an_archived_client_cannot_sign_in(client, app):
    with app.app_context():
        former = make_client("Former Co", archived_at=utcnow())
        person = make_client_user(former)
    response = log_in(client, person.email)
    assert response.status_code == 401
    assert flashed_messages(response) == [LOGIN_FAILED]
    assert not is_signed_in(client)


def test_next_is_honoured_for_a_path_on_this_site(client, staff):
    response = log_in(client, staff.email, next="/account")
    assert location(response) == "/account"


def test_a_page_that_needed_sign_in_is_reached_after_signing_in(client, staff):
    sent_to_login = client.get("/account")
    assert location(sent_to_login).startswith("/login?next=")
    response = client.post(
        location(sent_to_login), data={"email": staff.email, "password": TEST_PASSWORD}
    )
    assert location(response) == "/account"
    assert client.get("/account").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
    ],
)
def test_next_pointing_off_site_is_ignored(client, staff, target):
    response = log_in(client, staff.email, next=target)
    assert response.status_code == 302
    assert location(response) == "/"


def test_signing_in_starts_a_fresh_session(client, staff):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "before sign-in"
    cookie_before = client.get_cookie("session", domain=DOMAIN).value

    log_in(client, staff.email)

    assert client.get_cookie("session", domain=DOMAIN).value != cookie_before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{staff.id}:{staff.session_version}:")


def test_the_factory_hash_is_argon2id(app, staff):
    assert stored_hash(app, staff.id).startswith("$argon2id$")


def test_a_password_set_through_the_app_is_stored_as_argon2id(client, app, staff):
    log_in(client, staff.email)
    response = client.post(
        "/account/password",
        data={"current": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    password_hash = stored_hash(app, staff.id)
    assert password_hash.startswith("$argon2id$")
    assert NEW_PASSWORD not in password_hash


def test_a_hash_with_old_parameters_is_upgraded_at_sign_in(client, app):
    old_hash = PasswordHasher(time_cost=2, memory_cost=2048).hash(TEST_PASSWORD)
    with app.app_context():
        person = make_staff(password_hash=old_hash)
    assert log_in(client, person.email).status_code == 302
    upgraded = stored_hash(app, person.id)
    assert upgraded != old_hash
    assert upgraded.startswith("$argon2id$v=19$m=1024,t=1,")


def test_remember_me_sets_an_httponly_samesite_lax_cookie(client, staff):
    response = log_in(client, staff.email, remember=True)
    remember = set_cookie_attributes(response, "remember_token")
    assert remember is not None
    assert "httponly" in remember
    assert remember["samesite"] == "Lax"
    assert "expires" in remember


def test_without_remember_me_no_remember_cookie_is_set(client, staff):
    response = log_in(client, staff.email)
    assert set_cookie_attributes(response, "remember_token") is None


def test_the_session_cookie_is_httponly_and_samesite_lax(client, staff):
    session = set_cookie_attributes(log_in(client, staff.email), "session")
    assert "httponly" in session
    assert session["samesite"] == "Lax"


def test_a_signed_in_user_opening_the_login_page_goes_home(client, staff):
    log_in(client, staff.email)
    assert location(client.get("/login")) == "/"


def test_a_refused_attempt_signs_out_nobody_already_signed_in(new_browser, staff):
    mine = new_browser()
    log_in(mine, staff.email)
    attacker = new_browser()
    assert log_in(attacker, staff.email, "guess").status_code == 401
    assert is_signed_in(mine)
