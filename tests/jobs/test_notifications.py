"""Mention e-mails through a real Redis, a real worker and a real SMTP server."""

import re
import time

import pytest
from sqlalchemy import select

from portal.drafts.services import draft_thread
from portal.extensions import db
from portal.models import ClientRole, Comment, DraftKind, EmailMessage, StaffRole
from tests.factories import (
    assign,
    make_client,
    make_client_user,
    make_draft,
    make_project,
    make_staff,
    make_version,
    sign_in,
)
from tests.realparts import NOTIFY_DELAY


@pytest.fixture
def account(app):
    """A client reviewer and the copywriter (dana@…) who makes the draft they discuss."""
    with app.app_context():
        client = make_client("Northwind", slug="northwind")
        reviewer = make_client_user(client, ClientRole.MEMBER, email="owen@northwind.test")
        writer = make_staff(StaffRole.COPYWRITER, email="dana@agency.test", name="Dana")
        writer.email_frequency = "daily"
        db.session.commit()
        assign(client, writer)
        draft = make_draft(make_project(client), writer, DraftKind.COPY, title="Bag copy")
        make_version(draft, writer, body="Roasted in Leeds.")
        thread = draft_thread(draft)
        return {"reviewer": reviewer, "writer": writer, "draft": draft, "thread_id": thread.id}


def post_mention(client, account, text="@dana can we say where in Leeds?"):
    POSTED.append(time.monotonic())
    sign_in(client, account["reviewer"])
    response = client.post(
        f"/clients/northwind/threads/{account['thread_id']}/comments", data={"body": text}
    )
    assert response.status_code == 302
    return int(re.search(r"comment-(\d+)", response.headers["Location"]).group(1))


POSTED: list[float] = []


def wait_out_the_batching_window():
    """Sleep until the last comment posted is older than the batching window."""
    time.sleep(max(0.0, POSTED[-1] + NOTIFY_DELAY + 0.3 - time.monotonic()))


def test_a_mention_sends_exactly_one_email_after_the_batching_window_with_a_deep_link(
    app, client, account, jobs_on_redis, mailbox
):
    box, _ = mailbox
    comment_id = post_mention(client, account)
    jobs_on_redis.burst()
    assert box.to("dana@agency.test") == [], "sent before the batching window passed"

    wait_out_the_batching_window()
    jobs_on_redis.burst()
    (message,) = box.to("dana@agency.test")
    assert "mentioned you" in message["Subject"]
    link = f"http://portal.test/clients/northwind/drafts/{account['draft'].id}#comment-{comment_id}"
    assert link in box.text(message)
    assert message["List-Unsubscribe"].startswith("<http://portal.test/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    jobs_on_redis.tick()
    jobs_on_redis.burst()
    assert len(box.to("dana@agency.test")) == 1, "e-mailed twice"


def test_a_burst_of_mentions_makes_one_email(app, client, account, jobs_on_redis, mailbox):
    box, _ = mailbox
    for n in range(3):
        post_mention(client, account, f"@dana question {n}")
    wait_out_the_batching_window()
    jobs_on_redis.burst()
    (message,) = box.to("dana@agency.test")
    assert all(f"question {n}" in box.text(message) for n in range(3))


def test_a_mention_read_in_the_portal_first_sends_nothing(
    app, client, new_browser, account, jobs_on_redis, mailbox
):
    box, _ = mailbox
    comment_id = post_mention(client, account)
    writer = new_browser()
    sign_in(writer, account["writer"])
    read = writer.post(
        f"/clients/northwind/threads/{account['thread_id']}/read", data={"up_to": comment_id}
    )
    assert read.status_code == 302
    wait_out_the_batching_window()
    jobs_on_redis.burst()
    jobs_on_redis.tick()
    jobs_on_redis.burst()
    assert box.to("dana@agency.test") == []


def test_with_email_off_even_a_mention_sends_nothing(app, client, account, jobs_on_redis, mailbox):
    box, _ = mailbox
    with app.app_context():
        db.session.get(type(account["writer"]), account["writer"].id).email_frequency = "off"
        db.session.commit()
    post_mention(client, account)
    wait_out_the_batching_window()
    jobs_on_redis.burst()
    assert box.messages == []


def test_redis_down_during_a_request_loses_nothing(
    app, client, account, jobs_on_redis, mailbox, redis_server
):
    box, _ = mailbox
    redis_server.stop()
    comment_id = post_mention(client, account)
    with app.app_context():
        assert db.session.get(Comment, comment_id) is not None

    redis_server.start()
    wait_out_the_batching_window()
    jobs_on_redis.tick()
    jobs_on_redis.burst()
    (message,) = box.to("dana@agency.test")
    assert f"#comment-{comment_id}" in box.text(message)
    with app.app_context():
        statuses = db.session.scalars(select(EmailMessage.status)).all()
    assert statuses == ["sent"]
