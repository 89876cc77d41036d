"""Sessions end on time, by the server's clock (ASVS 5.0, V7.3): without "keep me signed in"
after an hour without a request or twelve hours in all; with it, fourteen days after the
sign-in, even for a copied cookie. The clock is frozen and moved (time-machine)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.auth.helpers import is_signed_in, log_in

SIGN_IN = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(SIGN_IN, tick=False) as traveller:
        yield traveller


def test_the_defaults_are_the_ones_tested(app):
    assert app.config["SESSION_IDLE_TIMEOUT"] == timedelta(hours=1)
    assert app.config["SESSION_LIFETIME"] == timedelta(hours=12)
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)


def test_a_session_used_within_the_hour_stays(clock, client, staff):
    log_in(client, staff.email)
    for _ in range(3):
        clock.shift(timedelta(minutes=59))
        assert is_signed_in(client)


def test_an_hour_without_a_request_signs_out(clock, client, staff):
    log_in(client, staff.email)
    clock.shift(timedelta(minutes=61))

    response = client.get("/")

    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "signed out after a while away" in client.get("/login").text


def test_twelve_hours_in_all_sign_out_however_busy(clock, client, staff):
    log_in(client, staff.email)
    for _ in range(24):
        clock.shift(timedelta(minutes=30))
        is_signed_in(client)
    clock.shift(timedelta(minutes=1))
    assert not is_signed_in(client)


def test_keep_me_signed_in_outlasts_an_idle_day(clock, client, staff):
    log_in(client, staff.email, remember=True)
    clock.shift(timedelta(days=3))
    assert is_signed_in(client)


def test_a_kept_session_ends_fourteen_days_after_the_sign_in(clock, client, staff):
    log_in(client, staff.email, remember=True)
    clock.shift(timedelta(days=13, hours=23))
    assert is_signed_in(client)
    clock.shift(timedelta(hours=2))
    assert not is_signed_in(client)


def test_a_copied_remember_cookie_dies_on_time_whatever_its_expiry(
    clock, client, new_browser, staff
):
    log_in(client, staff.email, remember=True)
    copied = client.get_cookie("remember_token", domain="portal.test").value
    clock.shift(timedelta(days=15))
    thief = new_browser()
    thief.set_cookie("remember_token", copied, domain="portal.test")

    assert not is_signed_in(thief)


def test_a_session_id_without_its_sign_in_time_signs_nobody_in(client, staff):
    with client.session_transaction() as session:
        session["_user_id"] = staff.get_id()
    assert not is_signed_in(client)
