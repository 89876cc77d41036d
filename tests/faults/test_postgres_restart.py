"""PostgreSQL restarted while people post: the requests during the restart may fail, every
request after it succeeds (the pools of the web and worker processes drop their dead
connections: ``pool_pre_ping``), and no comment answered 2xx is lost.

On a cluster of the test's own (``tests.faults.postgres``), never the shared server; only
when the suite runs on PostgreSQL. ``FAULT_POSTGRES_DOWN_SECONDS`` sets how long the server
stays down (1 s in the suite).
"""

import os
import time

import pytest
from sqlalchemy import func, select

from portal.models import Comment, EmailMessage, EmailStatus
from tests.faults.agency import PASSWORD, conversation, notified_up_to
from tests.faults.conftest import migrate
from tests.faults.postgres import private_cluster
from tests.faults.posting import Posting
from tests.faults.stack import Stack, setting

pytestmark = pytest.mark.skipif(
    not os.environ.get("PORTAL_TEST_DATABASE_URL"), reason="the suite runs on SQLite"
)
DOWN_SECONDS = setting("FAULT_POSTGRES_DOWN_SECONDS", 1)
LABEL = "Across the restart"


def test_requests_after_a_postgres_restart_succeed_and_no_post_is_lost(
    tmp_path, redis_server, smtp_server, fault_report
):
    with private_cluster() as cluster:
        database_url = cluster.create_database("portal")
        migrate(database_url)
        stack = Stack(database_url, tmp_path, redis_server, smtp_server)
        try:
            restart_during_posting(stack, cluster, fault_report)
        finally:
            stack.stop()


def restart_during_posting(stack, cluster, fault_report) -> None:
    talk = conversation(stack.app)
    stack.start(scheduler=True)
    with Posting(stack.web.port, talk.posters, PASSWORD, LABEL) as posting:
        posting.wait_for_accepted(10)
        cluster.stop()
        went_down = time.monotonic()
        time.sleep(DOWN_SECONDS)  # the outage is the scenario itself
        cluster.start()
        came_back = time.monotonic()
        posting.wait_for_accepted(20)
    posts = posting.snapshot()

    stored = {body for (body,) in stack.query(select(Comment.body).where(
        Comment.body.startswith(LABEL)))}  # fmt: skip
    accepted = [post for post in posts if post.accepted]
    lost = [post.body for post in accepted if post.body not in stored]
    during = [post for post in posts if went_down <= post.sent_at < came_back]
    after = [post for post in posts if post.sent_at >= came_back]
    failed_after = [post for post in after if not post.accepted]

    # The worker's pool recovered too: the watcher hears of every comment.
    def everything_sent():
        emailed, newest = notified_up_to(stack, talk)
        unsent = stack.scalar(
            select(func.count()).where(EmailMessage.status != EmailStatus.SENT)
        )  # fmt: skip
        return emailed >= newest and unsent == 0

    stack.settle(everything_sent, what="every notification")
    fault_report(
        f"PostgreSQL stopped {DOWN_SECONDS:g} s and started again during posting",
        posts_tried=len(posts),
        **{"2xx": len(accepted)},
        **{"5xx": sum(post.server_error for post in posts)},
        unanswered=sum(post.status is None for post in posts),
        tried_while_down=len(during),
        failed_after_the_restart=len(failed_after),
        stored=len(stored),
        stored_though_not_2xx=len(stored - {post.body for post in accepted}),
        lost=len(lost),
        mails_delivered=len(stack.smtp.mailbox.messages),
    )
    assert not lost, f"{len(lost)} accepted comments are not stored: {lost[:5]}"
    assert after and not failed_after, f"failed after the restart: {failed_after[:5]}"
    for process in (stack.worker, stack.scheduler):
        assert process.alive(), f"{process.name} died: {process.output()}"
