"""Ending sessions: a captured cookie stops working after logout, password change or deactivation.

Each test signs a browser in through the form, copies its cookies, and replays them in a
fresh browser, the way someone who stole them would.
"""

from portal.extensions import db
from portal.models import Client, ClientRole, utcnow
from tests.auth.helpers import DOMAIN, browser_with, cookies_of, is_signed_in, location, log_in
from tests.factories import TEST_PASSWORD, make_client, make_client_user

NEW_PASSWORD = "a brand new passphrase"


def signed_in_browser(new_browser, user, *, remember=False):
    browser = new_browser()
    response = log_in(browser, user.email, remember=remember)
    assert response.status_code == 302, response.status_code
    return browser


def change_password(browser, current=TEST_PASSWORD, new=NEW_PASSWORD):
    return browser.post(
        "/account/password", data={"current": current, "password": new, "confirm": new}
    )


def test_a_copied_session_cookie_works_while_the_session_lives(new_browser, staff):
    browser = signed_in_browser(new_browser, staff)
    assert is_signed_in(browser_with(new_browser, cookies_of(browser, "session")))


def test_a_copied_remember_cookie_works_while_the_session_lives(new_browser, staff):
    browser = signed_in_browser(new_browser, staff, remember=True)
    assert is_signed_in(browser_with(new_browser, cookies_of(browser, "remember_token")))


def test_after_logout_the_old_session_cookie_signs_nobody_in(new_browser, staff):
    browser = signed_in_browser(new_browser, staff)
    old = cookies_of(browser, "session")

    response = browser.post("/logout")

    assert location(response) == "/login"
    assert not is_signed_in(browser)
    replay = browser_with(new_browser, old)
    assert location(replay.get("/")).startswith("/login")


def test_after_logout_the_old_remember_cookie_signs_nobody_in(new_browser, staff):
    browser = signed_in_browser(new_browser, staff, remember=True)
    old = cookies_of(browser, "session", "remember_token")

    browser.post("/logout")

    assert not is_signed_in(browser_with(new_browser, old))
    assert not is_signed_in(browser_with(new_browser, {"remember_token": old["remember_token"]}))


def test_logout_ends_the_users_sessions_in_every_browser(new_browser, staff):
    here = signed_in_browser(new_browser, staff)
    elsewhere = signed_in_browser(new_browser, staff, remember=True)

    here.post("/logout")

    assert not is_signed_in(elsewhere)


def test_logout_deletes_the_remember_cookie_from_the_browser(new_browser, staff):
    browser = signed_in_browser(new_browser, staff, remember=True)
    browser.post("/logout")
    assert browser.get_cookie("remember_token", domain=DOMAIN) is None


def test_changing_password_signs_out_other_browsers_but_not_this_one(new_browser, staff):
    here = signed_in_browser(new_browser, staff)
    elsewhere = signed_in_browser(new_browser, staff, remember=True)
    elsewhere_cookies = cookies_of(elsewhere, "session", "remember_token")

    response = change_password(here)

    assert location(response) == "/account"
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    assert not is_signed_in(browser_with(new_browser, elsewhere_cookies))


def test_after_a_password_change_this_browsers_old_cookie_is_dead_too(new_browser, staff):
    here = signed_in_browser(new_browser, staff)
    before_change = cookies_of(here, "session")

    change_password(here)

    assert is_signed_in(here)
    assert not is_signed_in(browser_with(new_browser, before_change))


def test_a_wrong_current_password_changes_nothing(new_browser, staff):
    here = signed_in_browser(new_browser, staff)
    elsewhere = signed_in_browser(new_browser, staff)

    response = change_password(here, current="not my password")

    assert response.status_code == 422
    assert is_signed_in(elsewhere)
    assert log_in(new_browser(), staff.email, NEW_PASSWORD).status_code == 401


def test_deactivating_a_user_signs_out_their_browsers(new_browser, staff, admin):
    theirs = signed_in_browser(new_browser, staff, remember=True)
    remembered = cookies_of(theirs, "session", "remember_token")
    admins = signed_in_browser(new_browser, admin)

    response = admins.post(f"/admin/people/{staff.id}/deactivate")

    assert location(response).startswith("/admin/people")
    assert not is_signed_in(theirs)
    assert not is_signed_in(browser_with(new_browser, remembered))


def test_reactivating_a_user_does_not_bring_old_sessions_back(new_browser, staff, admin):
    theirs = signed_in_browser(new_browser, staff, remember=True)
    remembered = cookies_of(theirs, "session", "remember_token")
    admins = signed_in_browser(new_browser, admin)

    admins.post(f"/admin/people/{staff.id}/deactivate")
    admins.post(f"/admin/people/{staff.id}/reactivate")

    assert not is_signed_in(browser_with(new_browser, remembered))
    assert log_in(new_browser(), staff.email).status_code == 302


def test_archiving_a_client_signs_out_its_users(new_browser, app, admin):
    with app.app_context():
        acme = make_client("Acme")
        person = make_client_user(acme, ClientRole.ADMIN)
    theirs = signed_in_browser(new_browser, person, remember=True)
    admins = signed_in_browser(new_browser, admin)

    admins.post("/admin/clients/acme/archive")

    assert not is_signed_in(theirs)


def test_a_user_of_an_already_archived_client_is_signed_out(new_browser, app):
    with app.app_context():
        acme = make_client("Acme")
        person = make_client_user(acme)
    theirs = signed_in_browser(new_browser, person)
    with app.app_context():
        db.session.get(Client, acme.id).archived_at = utcnow()
        db.session.commit()
    assert not is_signed_in(theirs)


def test_restoring_an_archived_client_does_not_bring_old_sessions_back(new_browser, app, admin):
    with app.app_context():
        acme = make_client("Acme")
        person = make_client_user(acme)
    theirs = signed_in_browser(new_browser, person, remember=True)
    admins = signed_in_browser(new_browser, admin)
    admins.post("/admin/clients/acme/archive")
    admins.post("/admin/clients/acme/restore")

    assert not is_signed_in(theirs)
    assert log_in(new_browser(), person.email).status_code == 302


def test_without_remember_me_the_session_cookie_ends_with_the_browser(new_browser, staff):
    browser = new_browser()
    response = log_in(browser, staff.email)
    (session_cookie,) = [
        cookie for cookie in response.headers.getlist("Set-Cookie") if cookie.startswith("session=")
    ]
    assert "Expires" not in session_cookie
    assert browser.get_cookie("remember_token", domain=DOMAIN) is None
