"""One rule for display names, wherever a name is entered: names pass, contact details and
invisible characters don't; a name stored before the rule stays usable."""

import pytest
from sqlalchemy import update

from portal.extensions import db
from portal.models import User
from portal.validation import DISPLAY_NAME_MAX, display_name_problem
from tests.drafts.helpers import rows
from tests.factories import make_staff, sign_in


@pytest.mark.parametrize(
    "name",
    [
        "Ada Lovelace",
        "J.R.R. Tolkien",
        "Dr. Ng",
        "Zoë O'Brien-Ng",
        "Henry the 8th",
        "Team 2026",
        "Ann <i>Ng</i> & Co",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian, with a zero-width non-joiner
        "x" * DISPLAY_NAME_MAX,
    ],
)
def test_a_name_passes(name):
    assert display_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("x" * (DISPLAY_NAME_MAX + 1), "Use at most"),
        ("Robin www.example", "web address"),
        ("Robin example.co", "web address"),
        ("Robin example\uff0ecom", "web address"),  # a full-width full stop
        ("Robin hxxps://example", "web address"),
        ("Robin robin@example.test", "e-mail address"),
        ("Robin robin\uff20example.test", "e-mail address"),  # a full-width @
        ("Call 020 7946 0958", "phone number"),
        ("Call (555) 010-9999", "phone number"),
        ("Call \uff10\uff12\uff10\uff17\uff19\uff14\uff16\uff10", "phone number"),
        ("Robin\u202e", "invisible characters"),
        ("Robin\u2067Ng\u2069", "invisible characters"),
        ("Ro\u200bbin", "invisible characters"),
        ("Robin\nNg", "invisible characters"),
    ],
)
def test_a_name_with_contact_details_or_invisible_characters_is_refused(name, problem):
    assert problem in display_name_problem(name)


def test_a_name_stored_before_the_rules_still_lets_its_owner_save_the_profile(app, client):
    long_name = "A name from before the rules, " + "x" * 70
    with app.app_context():
        person = make_staff()
        db.session.execute(update(User).where(User.id == person.id).values(name=long_name))
        db.session.commit()
    sign_in(client, person)

    response = client.post("/account", data={"name": long_name, "timezone": "Asia/Tokyo"})

    assert response.status_code == 302
    [stored] = rows(app, User, User.id == person.id)
    assert (stored.name, stored.timezone) == (long_name, "Asia/Tokyo")


def test_create_admin_refuses_a_name_with_a_link(app):
    result = app.test_cli_runner().invoke(
        args=[
            "portal",
            "create-admin",
            "--email",
            "ada@agency.test",
            "--name",
            "Ada https://evil.example",
            "--password",
            "a perfectly long password",
        ]
    )

    assert result.exit_code != 0
    assert "can't contain a web address" in result.output
    assert rows(app, User, User.email == "ada@agency.test") == []
