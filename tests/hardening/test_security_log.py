"""Structured security log lines: failed sign-ins, rate limits, and the tenant guard's 403s
and 404s, one line each, with who, what and from where, and no way for a request's text to
forge a line of its own."""

import logging

import pytest

from tests.auth.helpers import log_in
from tests.factories import sign_in


@pytest.fixture
def security_lines(caplog):
    caplog.set_level(logging.INFO, logger="portal.security")

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "portal.security"]

    return lines


def test_a_failed_sign_in_is_logged_with_the_account_and_address(client, world, security_lines):
    staff = world.person("maker_on_a")
    log_in(client, staff.email, "a wrong guess", environ_base={"REMOTE_ADDR": "192.0.2.44"})

    (line,) = security_lines()
    assert line.startswith("event=sign_in_failed ")
    assert f'account="{staff.email}"' in line
    assert 'address="192.0.2.44"' in line and 'path="/login"' in line


def test_a_right_password_logs_nothing(client, world, security_lines):
    log_in(client, world.person("maker_on_a").email)
    assert security_lines() == []


def test_a_line_break_in_the_address_cannot_forge_a_line(client, security_lines):
    forged = "x@y.test\nevent=sign_in_ok user=1"
    client.post("/login", data={"email": forged, "password": "guess"})

    assert all("\n" not in line for line in security_lines())


def test_rate_limited_requests_are_logged(client, world, security_lines):
    for _ in range(6):
        log_in(client, world.person("maker_on_a").email, "a wrong guess")
    assert security_lines()[-1].startswith("event=rate_limited ")


def test_the_tenant_guard_logs_a_404_with_the_user(client, world, security_lines):
    member = world.person("client_member_a")
    sign_in(client, member)

    assert client.get(f"/clients/{world.client_b.slug}").status_code == 404

    (line,) = security_lines()
    assert line.startswith("event=refused_404 ")
    assert f'user="{member.id}"' in line and f'path="/clients/{world.client_b.slug}"' in line


def test_the_tenant_guard_logs_a_403(client, world, security_lines):
    sign_in(client, world.person("client_member_a"))
    assert client.get(f"/clients/{world.client_a.slug}/projects/new").status_code == 403
    (line,) = security_lines()
    assert line.startswith("event=refused_403 ")
