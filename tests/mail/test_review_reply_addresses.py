"""Reply by e-mail to news of a review (a new version, a decision): the e-mail and the digest
item carry the recipient's reply address for the draft's discussion, and a reply to it is a
comment on the draft, as its page would post it."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.digests.services import build_digest
from portal.extensions import db
from portal.mail.delivery import build_mime
from portal.mail.reply_addresses import reply_address
from portal.mail.secret_links import reveal
from portal.models import (
    Comment,
    Draft,
    EmailFrequency,
    EmailMessage,
    ReviewNotice,
    User,
    utcnow,
)
from portal.notifications.services import send_notifications
from tests.drafts.helpers import decide
from tests.factories import make_version, sign_in
from tests.mail import test_reply_by_email as replies
from tests.mail.test_reply_by_email import SIGNATURE, comments_in, reply_message, send

# The reply receiver on a loopback port, and the discussion thread of Dana's copy draft.
inbound, discussion = replies.inbound, replies.discussion

QUOTED_VERSION_NOTICE = """
On Mon, 7 Dec 2026 at 09:00, Portal <portal@localhost> wrote:
> Homepage intro, version 2 — Dana Writer
> Version 2 is ready for your review. What changed: Shorter, as asked.
"""


def version_two(app, account, draft) -> int:
    """Dana adds version 2 of ``draft``, saying what changed; its id."""
    with app.app_context():
        version = make_version(
            db.session.get(Draft, draft.id), account.writer, body="Roasted in Leeds.",
            note="Shorter, as asked.",
        )  # fmt: skip
        db.session.commit()
        return version.id


def on_email_as_it_happens(app, person) -> None:
    with app.app_context():
        immediate = {"email_frequency": EmailFrequency.IMMEDIATE}
        db.session.execute(update(User).where(User.id == person.id).values(immediate))
        db.session.commit()


def email_to(app, person):
    """The MIME form of the one message ``person`` is e-mailed with the news due a batching
    window on, as it is sent."""
    with app.app_context():
        send_notifications(person.id, utcnow() + timedelta(hours=1))
        db.session.commit()
        (message,) = db.session.scalars(
            select(EmailMessage).where(EmailMessage.to_address == person.email)
        )
        return build_mime(message, "portal@test")


def test_a_version_ready_email_carries_the_reviewers_reply_address_for_the_draft(
    app, account, draft_in_review, discussion, inbound
):
    on_email_as_it_happens(app, account.reviewer)
    version_id = version_two(app, account, draft_in_review)
    mime = email_to(app, account.reviewer)
    with app.app_context():
        hannah = db.session.get(User, account.reviewer.id)
        address = reply_address(hannah, discussion.id)
        assert mime["Reply-To"] == address
        assert f"Reply by e-mail: {address}" in mime.get_body(("plain",)).get_content()
        assert f"mailto:{address}" in mime.get_body(("html",)).get_content()

    reply = reply_message(
        sender="Hannah Client <hannah@northwind.test>",
        to=address,
        text="Better. Can the last line say Leeds?\n" + SIGNATURE + QUOTED_VERSION_NOTICE,
        subject="Re: Homepage intro, version 2",
    )
    send(inbound, reply)
    assert comments_in(app, discussion) == [
        ("hannah@northwind.test", "Better. Can the last line say Leeds?")
    ]
    with app.app_context():
        comment = db.session.scalar(select(Comment).where(Comment.thread_id == discussion.id))
        assert comment.version_id == version_id and not comment.internal


def test_a_decision_email_carries_the_makers_reply_address_for_the_draft(
    app, client, account, draft_in_review, discussion
):
    on_email_as_it_happens(app, account.writer)
    sign_in(client, account.reviewer)
    assert decide(client, account, draft_in_review, "approved").status_code == 302
    mime = email_to(app, account.writer)
    with app.app_context():
        dana = db.session.get(User, account.writer.id)
        assert mime["Reply-To"] == reply_address(dana, discussion.id)


@pytest.mark.parametrize(
    "section, notice_seen", [("Reviews", False), ("Waiting on you", True)]
)  # fmt: skip
def test_a_digests_review_items_carry_the_reply_address_for_the_draft(
    app, account, draft_in_review, discussion, section, notice_seen
):
    """A new version is listed under "Reviews" with its notice, or, its notice seen, under
    "Waiting on you"; either way with Hannah's address for the draft's discussion."""
    version_two(app, account, draft_in_review)
    with app.app_context():
        if notice_seen:
            db.session.execute(update(ReviewNotice).values(seen_at=utcnow()))
        hannah = db.session.get(User, account.reviewer.id)
        now = utcnow()
        digest = build_digest(hannah, now - timedelta(days=1), now + timedelta(minutes=1))
        (items,) = [items for title, items in digest.sections if title == section]
        (item,) = [item for item in items if item["title"] == "Homepage intro, version 2"]
        assert reveal(item["reply_address"]) == reply_address(hannah, discussion.id)
