"""E-mail preferences, following a thread, one-click unsubscribe, the digest preview, and
notifications produced on demand in the embedded mode."""

import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import EmailMessage, Subscription, User
from portal.notifications.preferences import unsubscribe_token
from tests.factories import make_comment, sign_in


def reload(app, user) -> User:
    with app.app_context():
        return db.session.get(User, user.id)


def test_preferences_are_saved(app, client, account):
    sign_in(client, account.writer)
    response = client.post(
        "/account/notifications",
        data={"email_frequency": "weekly", "digest_hour": "7", "digest_weekday": "4",
              "quiet_from": "22", "quiet_until": "6"},
    )  # fmt: skip
    assert response.status_code == 302
    user = reload(app, account.writer)
    assert (user.email_frequency, user.digest_hour, user.digest_weekday) == ("weekly", 7, 4)
    assert (user.quiet_from, user.quiet_until) == (22, 6)


def test_a_bad_preference_is_refused_with_422(app, client, account):
    sign_in(client, account.writer)
    response = client.post(
        "/account/notifications",
        data={"email_frequency": "hourly", "digest_hour": "7", "digest_weekday": "0"},
    )
    assert response.status_code == 422
    assert reload(app, account.writer).email_frequency == "daily"


def test_one_click_unsubscribe_works_without_a_csrf_token_but_only_by_post(app, client, account):
    with app.app_context():
        token = unsubscribe_token(db.session.get(User, account.writer.id))
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200
    assert reload(app, account.writer).email_frequency == "daily", "a GET changed something"

    response = client.post(
        f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}, csrf=False
    )
    assert response.status_code == 200
    assert reload(app, account.writer).email_frequency == "off"


def test_a_forged_unsubscribe_token_is_404(app, client):
    assert client.post("/unsubscribe/not-a-real-token", csrf=False).status_code == 404


def test_muting_a_thread_is_saved(app, client, account, thread):
    sign_in(client, account.writer)
    response = client.post(account.thread_url(thread, "/follow"), data={"level": "muted"})
    assert response.status_code == 302
    with app.app_context():
        level = db.session.scalar(
            select(Subscription.level).where(
                Subscription.user_id == account.writer.id, Subscription.thread_id == thread.id
            )
        )
    assert level == "muted"
    refused = client.post(account.thread_url(thread, "/follow"), data={"level": "x"})
    assert refused.status_code == 422


def test_the_digest_preview_shows_what_is_unread(app, client, account, thread):
    with app.app_context():
        make_comment(thread, account.writer, "@hannah we launch on the 4th.")
    sign_in(client, account.reviewer)
    page = client.get("/account/digest").text
    assert "we launch on the 4th" in page


def test_the_tick_command_produces_notifications_in_the_embedded_mode(
    app, account, thread, monkeypatch
):
    monkeypatch.setitem(app.config, "NOTIFY_DELAY_SECONDS", 0)
    with app.app_context():
        make_comment(thread, account.reviewer, "@dana can you check the date?")
    result = app.test_cli_runner().invoke(args=["jobs", "tick"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        (message,) = db.session.scalars(select(EmailMessage)).all()
    assert message.to_address == "dana@agency.test"
    assert message.status == "logged"
    assert re.search(
        r"http://portal.test/clients/northwind/threads/\d+#comment-\d+", message.text_body
    )

    again = app.test_cli_runner().invoke(args=["jobs", "tick"])
    assert again.exit_code == 0
    with app.app_context():
        assert len(db.session.scalars(select(EmailMessage)).all()) == 1
