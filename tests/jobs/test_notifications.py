"""Mention e-mails through a real Redis, a real worker and a real SMTP server."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.drafts.services import draft_thread
from portal.extensions import db
from portal.models import Comment, EmailMessage, User
from tests.factories import sign_in
from tests.realparts import NOTIFY_DELAY


@pytest.fixture
def discussion(app, draft_in_review):
    """The discussion thread of Dana's draft in review, where the client mentions her."""
    with app.app_context():
        return draft_thread(draft_in_review)


def post_mention(client, account, thread, text="@dana can we say where in Leeds?") -> int:
    """The reviewer posts ``text`` in ``thread``; the new comment's id."""
    sign_in(client, account.reviewer)
    response = client.post(account.thread_url(thread, "/comments"), data={"body": text})
    assert response.status_code == 302
    return int(re.search(r"comment-(\d+)", response.headers["Location"]).group(1))


def let_the_batching_window_pass(app, jobs_on_redis):
    """Age everything posted so far past the batching window, without waiting for it.

    The comments are backdated in the database, and the e-mail checks their posts scheduled
    for a window later are made due in Redis: what the worker finds is what it would find
    once the window had passed.
    """
    with app.app_context():
        for comment in db.session.scalars(select(Comment)):
            comment.created_at -= timedelta(seconds=NOTIFY_DELAY + 1)
        db.session.commit()
    jobs_on_redis.make_delayed_jobs_due()


def test_a_mention_sends_exactly_one_email_after_the_batching_window_with_a_deep_link(
    app, client, account, draft_in_review, discussion, jobs_on_redis, mailbox
):
    box, _ = mailbox
    comment_id = post_mention(client, account, discussion)
    jobs_on_redis.burst()
    assert box.to("dana@agency.test") == [], "sent before the batching window passed"

    let_the_batching_window_pass(app, jobs_on_redis)
    jobs_on_redis.burst()
    (message,) = box.to("dana@agency.test")
    assert "mentioned you" in message["Subject"]
    link = f"http://portal.test{account.draft_url(draft_in_review)}#comment-{comment_id}"
    assert link in box.text(message)
    assert message["List-Unsubscribe"].startswith("<http://portal.test/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    jobs_on_redis.tick()
    jobs_on_redis.burst()
    assert len(box.to("dana@agency.test")) == 1, "e-mailed twice"


def test_a_burst_of_mentions_makes_one_email(
    app, client, account, discussion, jobs_on_redis, mailbox
):
    box, _ = mailbox
    for n in range(3):
        post_mention(client, account, discussion, f"@dana question {n}")
    let_the_batching_window_pass(app, jobs_on_redis)
    jobs_on_redis.burst()
    (message,) = box.to("dana@agency.test")
    assert all(f"question {n}" in box.text(message) for n in range(3))


def test_a_mention_read_in_the_portal_first_sends_nothing(
    app, client, new_browser, account, discussion, jobs_on_redis, mailbox
):
    box, _ = mailbox
    comment_id = post_mention(client, account, discussion)
    writer = new_browser()
    sign_in(writer, account.writer)
    read = writer.post(account.thread_url(discussion, "/read"), data={"up_to": comment_id})
    assert read.status_code == 302
    let_the_batching_window_pass(app, jobs_on_redis)
    jobs_on_redis.burst()
    jobs_on_redis.tick()
    jobs_on_redis.burst()
    assert box.to("dana@agency.test") == []


def test_with_email_off_even_a_mention_sends_nothing(
    app, client, account, discussion, jobs_on_redis, mailbox
):
    box, _ = mailbox
    with app.app_context():
        db.session.get(User, account.writer.id).email_frequency = "off"
        db.session.commit()
    post_mention(client, account, discussion)
    let_the_batching_window_pass(app, jobs_on_redis)
    jobs_on_redis.burst()
    assert box.messages == []


def test_redis_down_during_a_request_loses_nothing(
    app, client, account, discussion, jobs_on_redis, mailbox, redis_server
):
    box, _ = mailbox
    redis_server.stop()
    comment_id = post_mention(client, account, discussion)
    with app.app_context():
        assert db.session.get(Comment, comment_id) is not None

    redis_server.start()
    let_the_batching_window_pass(app, jobs_on_redis)
    jobs_on_redis.tick()
    jobs_on_redis.burst()
    (message,) = box.to("dana@agency.test")
    assert f"#comment-{comment_id}" in box.text(message)
    with app.app_context():
        statuses = db.session.scalars(select(EmailMessage.status)).all()
    assert statuses == ["sent"]
