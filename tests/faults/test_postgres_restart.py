"""PostgreSQL restarted while people post: the requests during the restart may fail, with
503 (try again shortly), every request after it succeeds (the pools of the web and worker
processes drop their dead connections: ``pool_pre_ping``), and no comment answered 2xx is
lost.

On a cluster of the test's own (``tests.faults.postgres``), never the shared server; only
when the suite runs on PostgreSQL. ``FAULT_POSTGRES_DOWN_SECONDS`` sets how long the server
stays down (1 s in the suite).
"""

import os
import time

import pytest

from tests.faults.agency import PASSWORD, conversation, every_notification_sent
from tests.faults.conftest import migrate
from tests.faults.postgres import private_cluster
from tests.faults.posting import Outcome, Posting
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
    outcome = Outcome(posting.snapshot(), stack.comment_bodies(LABEL), went_down, came_back)
    failed_after = [post for post in outcome.after if not post.accepted]
    # A post the database couldn't take is told to try again shortly, not a server error.
    refused = [post for post in outcome.posts if post.status is not None and not post.accepted]
    not_503 = [post for post in refused if post.status != 503]

    # The worker's pool recovered too: the watcher hears of every comment.
    stack.settle(lambda: every_notification_sent(stack, talk), what="every notification")
    fault_report(
        f"PostgreSQL stopped {DOWN_SECONDS:g} s and started again during posting",
        **outcome.figures(),
        failed_after_the_restart=len(failed_after),
        answered_503=len(refused) - len(not_503),
        mails_delivered=len(stack.smtp.mailbox.messages),
    )
    assert not outcome.lost, f"accepted comments not stored: {outcome.lost[:5]}"
    assert outcome.after and not failed_after, f"failed after the restart: {failed_after[:5]}"
    assert not not_503, f"refused otherwise than with 503: {not_503[:5]}"
    for process in (stack.worker, stack.scheduler):
        assert process.alive(), f"{process.name} died: {process.output()}"
