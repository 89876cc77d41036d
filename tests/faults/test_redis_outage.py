"""Redis stopped while people post: every post is answered and kept, the worker and the
scheduler wait for Redis instead of quitting, and once it is back the jobs lost with it
(notifications, e-mail deliveries) are found again by the sweeps.

Redis comes back empty (it keeps nothing on disk), as after a crash: the jobs that waited in
it before the outage are lost too. ``FAULT_REDIS_OUTAGE_SECONDS`` sets the outage (3 s in
the suite, 30 s under ``make faults``).
"""

import time

from sqlalchemy import func, select

from portal.models import Comment, EmailMessage, EmailStatus
from tests.faults.agency import PASSWORD, conversation, notified_up_to
from tests.faults.posting import Posting
from tests.faults.stack import setting, wait_until

OUTAGE_SECONDS = setting("FAULT_REDIS_OUTAGE_SECONDS", 3)
LABEL = "During the Redis outage"


def test_posts_are_kept_while_redis_is_down_and_lost_jobs_are_found_again(stack, fault_report):
    talk = conversation(stack.app)
    mailbox = stack.smtp.mailbox
    stack.start(scheduler=True)
    with Posting(stack.web.port, talk.posters, PASSWORD, LABEL) as posting:
        posting.wait_for_accepted(10)
        # Redis goes while the worker is busy, sending the watcher a notification (held
        # briefly: on SQLite the job holds the write lock that posting waits for).
        mailbox.hold()
        wait_until(mailbox.holding.is_set, timeout=30, what="a notification on its way")
        stack.redis.stop()
        went_down = time.monotonic()
        mailbox.release()
        time.sleep(OUTAGE_SECONDS)  # the outage is the scenario itself
        stack.redis.start()
        came_back = time.monotonic()
        posting.wait_for_accepted(10)
    posts = posting.snapshot()

    stored = {body for (body,) in stack.query(select(Comment.body).where(
        Comment.body.startswith(LABEL)))}  # fmt: skip
    accepted = [post for post in posts if post.accepted]
    lost = [post.body for post in accepted if post.body not in stored]
    during = [post for post in posts if went_down <= post.sent_at < came_back]
    failed = [post for post in posts if not post.accepted]

    # What was lost with Redis is found again: the watcher hears of every comment.
    def everything_sent():
        emailed, newest = notified_up_to(stack, talk)
        unsent = stack.scalar(
            select(func.count()).where(EmailMessage.status != EmailStatus.SENT)
        )  # fmt: skip
        return emailed >= newest and unsent == 0

    stack.settle(everything_sent, timeout=60 + 2 * OUTAGE_SECONDS, what="every notification")
    delivered = len(stack.smtp.mailbox.messages)
    fault_report(
        f"Redis stopped {OUTAGE_SECONDS:g} s during posting",
        posts_tried=len(posts),
        **{"2xx": len(accepted)},
        **{"5xx": sum(post.server_error for post in posts)},
        unanswered=sum(post.status is None for post in posts),
        tried_during_the_outage=len(during),
        stored=len(stored),
        stored_though_not_2xx=len(stored - {post.body for post in accepted}),
        lost=len(lost),
        slowest_answer=f"{max(post.seconds for post in posts):.2f} s",
        mails_delivered=delivered,
    )
    assert not failed, f"{len(failed)} posts failed, e.g. {failed[:3]}"
    assert not lost, f"{len(lost)} accepted comments are not stored: {lost[:5]}"
    assert during and all(post.accepted for post in during)
    for process in (stack.worker, stack.scheduler):
        assert process.alive(), f"{process.name} died: {process.output()}"


def test_a_scheduler_started_while_redis_is_down_waits_for_it(stack):
    stack.redis.stop()
    scheduler = stack.start_scheduler()  # say, restarted by its supervisor during the outage
    wait_until(
        lambda: "Redis is unreachable" in scheduler.output() or not scheduler.alive(),
        timeout=30,
        what="the scheduler to find Redis away",
    )
    assert scheduler.alive(), scheduler.output()
    stack.redis.start()
    # Once Redis answers, it queues the periodic work, due since it started.
    wait_until(lambda: stack.waiting_jobs() > 0, timeout=30, what="the periodic jobs")
    assert scheduler.alive(), scheduler.output()
