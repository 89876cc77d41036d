"""Admins read every outbox message in full; links that carry a secret only in the embedded
mode; the embedded mode's log prints each message, links included."""

import html
import logging
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.mail.delivery import deliver_email
from portal.mail.secret_links import REDACTED, new_secret_link, reveal
from portal.models import ClientRole, EmailMessage, EmailStatus, StaffRole
from tests.admin.test_outbox_and_jobs import NON_ADMINS, make_email
from tests.factories import make_client, make_client_user, make_staff, sent_text, sign_in
from tests.queries import describe, statements_for

INVITATION_LINK = re.compile(r"http://portal\.test/invitations/[A-Za-z0-9_\-]{20,}")
RESET_LINK = re.compile(r"http://portal\.test/reset/[A-Za-z0-9_\-]{20,}")


@pytest.fixture
def admin_browser(app, client):
    with app.app_context():
        sign_in(client, make_staff(StaffRole.ADMIN, name="Ada Admin"))
    return client


@pytest.fixture
def not_embedded(app, monkeypatch):
    """The app as deployed with Redis: outside the embedded mode (nothing is queued here)."""
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")


def invite(app, browser) -> EmailMessage:
    """An admin invites someone into a client; the invitation e-mail, as the outbox holds it."""
    with app.app_context():
        make_client("Alpha", slug="alpha")
    response = browser.post(
        "/clients/alpha/invitations", data={"email": "new@alpha.test", "role": "client_member"}
    )
    assert response.status_code == 302
    with app.app_context():
        session = db.session()
        session.expire_on_commit = False
        return session.scalar(
            select(EmailMessage).where(EmailMessage.to_address == "new@alpha.test")
        )


def test_an_admin_reads_a_message_text_and_html(app, admin_browser):
    with app.app_context():
        message = make_email(
            EmailStatus.LOGGED,
            subject="Your weekly digest",
            text_body="Hello Dana,\n\n3 comments wait on you <b>not bold</b>.",
            html_body='<p>Hello <strong>Dana</strong></p><script>alert("x")</script>',
        )

    page = admin_browser.get(f"/admin/outbox/{message.id}")

    assert page.status_code == 200
    assert "Your weekly digest" in page.text and message.to_address in page.text
    assert "3 comments wait on you &lt;b&gt;not bold&lt;/b&gt;." in page.text
    frame = re.search(r"<iframe[^>]*>", page.text).group(0)
    assert re.search(r"\ssandbox(\s|>)", frame), "an empty sandbox: no scripts, no same origin"
    srcdoc = re.search(r'srcdoc="([^"]*)"', frame).group(1)
    assert "<script>" not in srcdoc, "the HTML lives escaped in the attribute, never in our page"
    assert html.unescape(srcdoc) == message.html_body


def test_the_outbox_list_links_each_message(app, admin_browser):
    with app.app_context():
        message = make_email(EmailStatus.SENT, subject="Read me")

    page = admin_browser.get("/admin/outbox").text

    assert f'href="/admin/outbox/{message.id}">Read me</a>' in page


def test_a_message_without_html_shows_its_text_only(app, admin_browser):
    with app.app_context():
        message = make_email(EmailStatus.PENDING, html_body=None)

    page = admin_browser.get(f"/admin/outbox/{message.id}").text

    assert "<pre" in page and "<iframe" not in page


def test_an_unknown_message_is_not_found(admin_browser):
    assert admin_browser.get("/admin/outbox/999999").status_code == 404


@pytest.mark.parametrize("who", sorted(NON_ADMINS))
def test_only_admins_read_the_outbox(app, client, who):
    with app.app_context():
        message = make_email(EmailStatus.SENT)
        sign_in(client, NON_ADMINS[who]())

    assert client.get(f"/admin/outbox/{message.id}").status_code == 403


def test_the_embedded_mode_shows_an_invitation_link_in_full(app, admin_browser):
    message = invite(app, admin_browser)
    with app.app_context():
        link = INVITATION_LINK.search(sent_text(message)).group(0)

    page = admin_browser.get(f"/admin/outbox/{message.id}").text

    assert page.count(link) == 2  # the text, and the HTML's link inside the frame's srcdoc
    assert REDACTED not in page


def test_outside_the_embedded_mode_secret_links_are_redacted(app, admin_browser, not_embedded):
    with app.app_context():
        make_client_user(make_client(), ClientRole.MEMBER, email="dana@client.test")
    app.config["REDIS_URL"] = None  # the reset e-mail is written in the embedded mode...
    assert admin_browser.post("/reset", data={"email": "dana@client.test"}).status_code == 302
    invitation = invite(app, admin_browser)
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # ...and read outside it
    with app.app_context():
        reset = db.session.scalar(
            select(EmailMessage).where(EmailMessage.to_address == "dana@client.test")
        )
        reset_id, reset_text = reset.id, sent_text(reset)
        invitation_text = sent_text(invitation)

    for message_id, text, pattern in (
        (invitation.id, invitation_text, INVITATION_LINK),
        (reset_id, reset_text, RESET_LINK),
    ):
        link = pattern.search(text).group(0)
        token = link.rsplit("/", 1)[1]
        page = admin_browser.get(f"/admin/outbox/{message_id}").text
        assert token not in page
        assert link.rsplit("/", 1)[0] + "/" + REDACTED in page
        assert "are redacted here" in page


def test_the_outbox_list_issues_as_many_statements_for_sixty_messages_as_for_two(
    app, admin_browser
):
    with app.app_context():
        for status in (EmailStatus.LOGGED, EmailStatus.FAILED):
            make_email(status)
    few = statements_for(app, admin_browser, "/admin/outbox")
    with app.app_context():
        for _ in range(58):
            make_email(EmailStatus.SENT)

    many = statements_for(app, admin_browser, "/admin/outbox")

    assert len(many) == len(few), describe(many)


def test_the_embedded_log_prints_each_message_in_full(app, admin_browser, caplog):
    caplog.set_level(logging.INFO, logger="portal.mail.delivery")

    message = invite(app, admin_browser)  # delivered inline, right after the commit

    with app.app_context():
        link = INVITATION_LINK.search(sent_text(message)).group(0)
    logged = [r.getMessage() for r in caplog.records if r.name == "portal.mail.delivery"]
    assert len(logged) == 1
    assert "new@alpha.test" in logged[0] and message.subject in logged[0]
    assert link in logged[0]


def test_outside_the_embedded_mode_the_log_redacts_secret_links(app, caplog, not_embedded):
    caplog.set_level(logging.INFO, logger="portal.mail.delivery")
    with app.app_context():
        placeholder, _ = new_secret_link("invitations.accept")
        link = reveal(placeholder)
        message = make_email(text_body=f"Join: {placeholder}")
        deliver_email(message.id)

    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "portal.mail.delivery")
    assert link not in logged and link.rsplit("/", 1)[1] not in logged
    assert f"http://portal.test/invitations/{REDACTED}" in logged
