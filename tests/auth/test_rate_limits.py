"""Guess-and-check is slowed down: per account (the e-mail or token sent) and per client IP.

The limits are the defaults: 5 POSTs a minute per account, 20 per client IP address. For
sign-in, the account's 5 are failed attempts from one address, and 30 failed attempts an hour
from anywhere stop everyone but the devices that have signed in to the account before.
"""

from tests.auth.helpers import TOO_MANY, location, log_in, page_text
from tests.factories import make_password_reset

PER_ACCOUNT = 5
PER_IP = 20


def test_the_configured_limits_are_the_ones_tested(app):
    assert app.config["RATELIMIT_PER_ACCOUNT"] == f"{PER_ACCOUNT} per minute"
    assert app.config["RATELIMIT_PER_ADDRESS"] == f"{PER_IP} per minute"


def test_sign_in_attempts_for_one_account_are_limited(client, staff):
    for _ in range(PER_ACCOUNT):
        assert log_in(client, staff.email, "a wrong guess").status_code == 401

    response = log_in(client, staff.email, "another guess")

    assert response.status_code == 429
    assert TOO_MANY in page_text(response)
    assert "Retry-After" in response.headers


def test_the_right_password_is_refused_too_once_the_account_is_limited(client, staff):
    for _ in range(PER_ACCOUNT):
        log_in(client, staff.email, "a wrong guess")
    assert log_in(client, staff.email).status_code == 429


def test_spellings_of_one_address_share_a_limit(client, staff):
    spellings = [staff.email, staff.email.upper(), f" {staff.email.title()}"]
    for attempt in range(PER_ACCOUNT):
        log_in(client, spellings[attempt % len(spellings)], "a wrong guess")
    assert log_in(client, staff.email.upper(), "another guess").status_code == 429


def test_the_account_limit_applies_from_any_browser(new_browser, staff):
    for _ in range(PER_ACCOUNT):
        log_in(new_browser(), staff.email, "a wrong guess")
    assert log_in(new_browser(), staff.email).status_code == 429


def test_another_email_from_the_same_ip_is_still_allowed(client, staff, admin):
    for _ in range(PER_ACCOUNT + 1):
        log_in(client, staff.email, "a wrong guess")
    assert location(log_in(client, admin.email)) == "/"


def test_sign_in_attempts_from_one_ip_are_limited(client):
    for n in range(PER_IP):
        assert log_in(client, f"guess{n}@agency.test", "a guess").status_code == 401

    response = log_in(client, "one-more@agency.test", "a guess")

    assert response.status_code == 429
    assert TOO_MANY in page_text(response)


def test_another_ip_is_not_held_back_by_one_ips_attempts(client):
    for n in range(PER_IP):
        log_in(client, f"guess{n}@agency.test", "a guess")
    response = log_in(
        client, "fresh@agency.test", "a guess", environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert response.status_code == 401


def test_a_forged_forwarded_for_header_does_not_escape_the_ip_limit(client):
    for n in range(PER_IP):
        log_in(client, f"guess{n}@agency.test", "a guess")
    response = log_in(
        client, "fresh@agency.test", "a guess", headers={"X-Forwarded-For": "192.0.2.7"}
    )
    assert response.status_code == 429


def test_opening_the_sign_in_page_is_not_limited(client):
    for _ in range(PER_IP + 1):
        assert client.get("/login").status_code == 200


def test_reset_requests_for_one_email_are_limited(client):
    for _ in range(PER_ACCOUNT):
        assert location(client.post("/reset", data={"email": "sam@agency.example"})) == "/login"

    response = client.post("/reset", data={"email": "sam@agency.example"})

    assert response.status_code == 429
    assert TOO_MANY in page_text(response)


def test_reset_requests_from_one_ip_are_limited(client):
    for n in range(PER_IP):
        client.post("/reset", data={"email": f"person{n}@agency.example"})
    assert client.post("/reset", data={"email": "one-more@agency.example"}).status_code == 429


def test_guesses_at_a_new_password_through_one_link_are_limited(client, app, staff):
    with app.app_context():
        make_password_reset("limited-token", staff)
    for _ in range(PER_ACCOUNT):
        response = client.post(
            "/reset/limited-token", data={"password": "short", "confirm": "short"}
        )
        assert response.status_code == 422
    response = client.post(
        "/reset/limited-token", data={"password": "long enough now", "confirm": "long enough now"}
    )
    assert response.status_code == 429


def test_guesses_at_the_current_password_are_limited(client, staff):
    log_in(client, staff.email)
    for _ in range(PER_ACCOUNT):
        response = client.post(
            "/account/password",
            data={"current": "guess", "password": "x" * 12, "confirm": "x" * 12},
        )
        assert response.status_code == 422
    response = client.post(
        "/account/password", data={"current": "guess", "password": "x" * 12, "confirm": "x" * 12}
    )
    assert response.status_code == 429


def test_control_characters_in_the_address_do_not_escape_the_account_limit(client, staff):
    # The form drops them before signing in, so each is the same account (issue 12, defect 1).
    for n in range(1, PER_ACCOUNT + 1):
        assert log_in(client, staff.email + chr(n), "a wrong guess").status_code == 401
    assert log_in(client, staff.email + chr(PER_ACCOUNT + 1)).status_code == 429


def test_control_characters_do_not_escape_the_reset_limit(client, staff):
    for n in range(1, PER_ACCOUNT + 1):
        client.post("/reset", data={"email": chr(n) + staff.email})
    assert client.post("/reset", data={"email": staff.email + chr(7)}).status_code == 429


def test_an_email_field_does_not_escape_the_password_change_limit(client, staff):
    # Signed in, the limit counts the person, whatever address the form adds (defect 2).
    log_in(client, staff.email)
    for n in range(PER_ACCOUNT):
        response = client.post(
            "/account/password",
            data={
                "current": "guess",
                "password": "x" * 12,
                "confirm": "x" * 12,
                "email": f"decoy{n}@agency.test",
            },
        )
        assert response.status_code == 422
    response = client.post(
        "/account/password",
        data={"current": "guess", "password": "x" * 12, "confirm": "x" * 12, "email": "new@x.test"},
    )
    assert response.status_code == 429


ANYWHERE = 30


def from_address(n: int) -> dict:
    return {"environ_base": {"REMOTE_ADDR": f"198.51.100.{n}"}}


def test_guesses_from_one_address_do_not_lock_the_owner_out_elsewhere(client, new_browser, staff):
    # The account is limited per address it is tried from (issue 12, defect 3).
    attacker = {"environ_base": {"REMOTE_ADDR": "192.0.2.66"}}
    for _ in range(PER_ACCOUNT):
        assert log_in(client, staff.email, "a wrong guess", **attacker).status_code == 401
    assert log_in(client, staff.email, **attacker).status_code == 429

    assert location(log_in(new_browser(), staff.email, **from_address(9))) == "/"


def test_signing_in_does_not_count_against_the_account(new_browser, staff):
    for _ in range(PER_ACCOUNT + 1):
        assert location(log_in(new_browser(), staff.email)) == "/"


def test_guesses_from_everywhere_stop_at_the_account_wide_limit(app, new_browser, staff):
    assert app.config["RATELIMIT_PER_ACCOUNT_ANYWHERE"] == f"{ANYWHERE} per hour"
    for n in range(ANYWHERE):
        assert log_in(new_browser(), staff.email, "a guess", **from_address(n)).status_code == 401
    assert log_in(new_browser(), staff.email, **from_address(200)).status_code == 429


def test_the_owners_own_device_still_signs_in_under_a_distributed_attack(new_browser, staff):
    owners_laptop = new_browser()
    assert location(log_in(owners_laptop, staff.email, **from_address(250))) == "/"
    owners_laptop.post("/logout")
    for n in range(ANYWHERE + 5):
        log_in(new_browser(), staff.email, "a guess", **from_address(n))

    assert location(log_in(owners_laptop, staff.email, **from_address(251))) == "/"


def test_a_device_known_to_one_account_is_a_stranger_to_another(new_browser, staff, admin):
    laptop = new_browser()
    assert location(log_in(laptop, admin.email)) == "/"
    laptop.post("/logout")
    for n in range(ANYWHERE):
        log_in(new_browser(), staff.email, "a guess", **from_address(n))

    assert log_in(laptop, staff.email, **from_address(251)).status_code == 429
