"""No usable secret at rest (issue 12, defect 4): reset and invitation e-mails go out with
working links through real SMTP, while the database, and so every backup, holds no token that
opens anything without the app's key; and old bodies are purged after the retention period."""

import os
import re
from datetime import timedelta

from flask_migrate import upgrade
from sqlalchemy import select, text

from portal import create_app
from portal.extensions import db
from portal.mail.retention import purge_old_bodies
from portal.mail.secret_links import _token, reveal
from portal.models import EmailMessage, EmailStatus, StaffRole, utcnow
from tests.admin.test_outbox_and_jobs import make_email
from tests.databases import scratch_database
from tests.factories import make_client, make_staff, sign_in

SECRET_LINK = re.compile(r"http://portal\.test/(?:reset|invitations)/([A-Za-z0-9_\-]{20,})")


def every_stored_value(app) -> str:
    """Every value of every row of every table, as one text: what a backup holds."""
    with app.app_context():
        return "\n".join(
            str(value)
            for table in db.metadata.sorted_tables
            for row in db.session.execute(select(table)).all()
            for value in row
        )


def test_a_reset_link_works_from_the_mail_and_is_nowhere_in_the_database(app, client, smtp_mailbox):
    with app.app_context():
        staff = make_staff(email="sam@agency.test")
    assert client.post("/reset", data={"email": staff.email}).status_code == 302

    (message,) = smtp_mailbox.to(staff.email)
    token = SECRET_LINK.search(smtp_mailbox.text(message))[1]
    assert token not in every_stored_value(app)
    assert client.get(f"/reset/{token}").status_code == 200


def test_an_invitation_link_works_from_the_mail_and_is_nowhere_in_the_database(
    app, client, smtp_mailbox
):
    with app.app_context():
        make_client("Alpha", slug="alpha")
        sign_in(client, make_staff(StaffRole.ADMIN, name="Ada"))
    data = {"email": "new@alpha.test", "role": "client_member"}
    assert client.post("/clients/alpha/invitations", data=data).status_code == 302
    client.post("/logout")

    (message,) = smtp_mailbox.to("new@alpha.test")
    html = message.get_body(preferencelist=("html",)).get_content()
    token = SECRET_LINK.search(smtp_mailbox.text(message))[1]
    assert f"/invitations/{token}" in html
    assert token not in every_stored_value(app)
    assert client.get(f"/invitations/{token}").status_code == 200


def test_without_the_key_the_stored_body_opens_nothing(app, client, smtp_mailbox, monkeypatch):
    with app.app_context():
        staff = make_staff(email="sam@agency.test")
    client.post("/reset", data={"email": staff.email})
    with app.app_context():
        stored = db.session.scalar(select(EmailMessage.text_body))
    monkeypatch.setattr(app, "secret_key", "a key a thief guesses " * 2)

    with app.app_context():
        # The placeholder is signed under the key too: under another it stays text.
        assert SECRET_LINK.search(reveal(stored)) is None
        guessed = _token(re.search(r"\[\[secret-link \S+ (\S+) ", stored)[1])
    monkeypatch.undo()
    assert client.get(f"/reset/{guessed}").status_code == 410


def test_bodies_older_than_the_retention_period_are_emptied(app, client):
    now = utcnow()
    days = app.config["EMAIL_BODY_RETENTION_DAYS"]
    with app.app_context():
        old = make_email(EmailStatus.SENT, created_at=now - timedelta(days=days, minutes=1),
                         html_body="<p>Hello</p>")  # fmt: skip
        failed = make_email(EmailStatus.FAILED, created_at=now - timedelta(days=days + 5))
        recent = make_email(EmailStatus.SENT, created_at=now - timedelta(days=days - 1))
        waiting = make_email(EmailStatus.PENDING, created_at=now - timedelta(days=days + 5))

        assert purge_old_bodies(now=now) == 2
        db.session.commit()
        bodies = dict(db.session.execute(select(EmailMessage.id, EmailMessage.text_body)).all())
        assert db.session.get(EmailMessage, old.id).html_body is None
        assert purge_old_bodies(now=now) == 0
        sign_in(client, make_staff(StaffRole.ADMIN, name="Ada"))

    assert bodies == {
        old.id: "",
        failed.id: "",
        recent.id: "Hello there.",
        waiting.id: "Hello there.",
    }
    page = client.get(f"/admin/outbox/{old.id}").text
    assert f"removed {days} days after it was written" in page
    assert old.subject in page


LEGACY = (
    "Reset: http://portal.example/reset/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde\n"
    "Join: http://portal.example/invitations/ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210-_zyxwv"
)


def test_the_upgrade_scrubs_links_written_in_plain_text_before_it(tmp_path):
    configured = os.environ.get("PORTAL_TEST_DATABASE_URL")
    with scratch_database(configured, tmp_path, "scrub") as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 32}, environ={})
        with app.app_context():
            upgrade(revision="d3a8f5c1e7b9")
            with db.engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO email_messages (id, dedupe_key, to_address, subject,"
                        " text_body, html_body, status, attempts, created_at) VALUES"
                        " (1, 'k', 'a@b.test', 'Hi', :body, :html, 'sent', 1, '2026-01-01')"
                    ),
                    {"body": LEGACY, "html": f'<a href="{LEGACY}">x</a>'},
                )
            upgrade(revision="c5e9a1f3b7d2")
            with db.engine.connect() as connection:
                body, html = connection.execute(
                    text("SELECT text_body, html_body FROM email_messages")
                ).one()
            db.engine.dispose()
    for stored in (body, html):
        assert "AbCdEfGh" not in stored and "ZyXwVuTs" not in stored
        assert "http://portal.example/reset/…redacted…" in stored
        assert "http://portal.example/invitations/…redacted…" in stored
