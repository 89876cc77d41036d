"""An unsubscribe link works for a while, and only until the person changes their e-mail
preferences (issue 12, defect 10): the link in an old e-mail can't turn e-mail off again after
its owner turned it back on. The clock is frozen and moved (time-machine)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from portal.extensions import db
from portal.models import User
from portal.notifications.preferences import unsubscribe_token
from tests.factories import sign_in

SENT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
EXPIRED = "This link has expired"


@pytest.fixture
def clock():
    with time_machine.travel(SENT, tick=False) as traveller:
        yield traveller


def link_in_an_email_to(app, user) -> str:
    """The unsubscribe link an e-mail to ``user`` written now carries."""
    with app.app_context():
        return f"/unsubscribe/{unsubscribe_token(db.session.get(User, user.id))}"


def frequency(app, user) -> str:
    with app.app_context():
        return db.session.get(User, user.id).email_frequency


def one_click(client, link):
    """The RFC 8058 POST a mail client sends, with no CSRF token."""
    return client.post(link, data={"List-Unsubscribe": "One-Click"}, csrf=False)


def save_preferences(client, user, how_often="daily"):
    sign_in(client, user)
    saved = client.post(
        "/account/notifications",
        data={"email_frequency": how_often, "digest_hour": "8", "digest_weekday": "0"},
    )
    assert saved.status_code == 302


def assert_refused_as_expired(response):
    assert response.status_code == 410
    assert EXPIRED in response.text
    assert 'href="/account/notifications"' in response.text


def test_the_default_max_age_is_the_one_tested(app):
    assert app.config["UNSUBSCRIBE_TOKEN_MAX_AGE"] == timedelta(days=60)


def test_a_fresh_link_asks_first_then_turns_email_off(app, client, account, clock):
    link = link_in_an_email_to(app, account.writer)
    clock.shift(timedelta(days=2))
    page = client.get(link)
    assert page.status_code == 200
    assert "Stop Portal e-mail?" in page.text
    assert frequency(app, account.writer) == "daily", "a GET changed something"

    assert one_click(client, link).status_code == 200
    assert frequency(app, account.writer) == "off"


def test_a_link_works_for_60_days_and_not_a_second_more(app, client, account, clock):
    link = link_in_an_email_to(app, account.writer)
    clock.shift(timedelta(days=60))
    assert client.get(link).status_code == 200

    clock.shift(timedelta(seconds=1))
    assert_refused_as_expired(client.get(link))
    assert_refused_as_expired(one_click(client, link))
    assert frequency(app, account.writer) == "daily"


def test_a_link_sent_before_email_was_turned_back_on_is_refused(app, client, account, clock):
    old_link = link_in_an_email_to(app, account.writer)
    clock.shift(timedelta(days=1))
    assert one_click(client, old_link).status_code == 200
    assert frequency(app, account.writer) == "off"

    clock.shift(timedelta(hours=3))
    save_preferences(client, account.writer, how_often="daily")
    assert_refused_as_expired(client.get(old_link))
    assert_refused_as_expired(one_click(client, old_link))
    assert frequency(app, account.writer) == "daily"

    new_link = link_in_an_email_to(app, account.writer)
    assert client.get(new_link).status_code == 200
    assert one_click(client, new_link).status_code == 200
    assert frequency(app, account.writer) == "off"


def test_saving_unchanged_preferences_leaves_links_working(app, client, account, clock):
    link = link_in_an_email_to(app, account.writer)
    clock.shift(timedelta(days=1))
    save_preferences(client, account.writer, how_often="daily")
    assert one_click(client, link).status_code == 200


def test_a_tampered_link_is_still_404(app, client, account, clock):
    link = link_in_an_email_to(app, account.writer)
    tampered = link[:-3] + ("abc" if not link.endswith("abc") else "xyz")
    assert client.get(tampered).status_code == 404
    assert one_click(client, tampered).status_code == 404
