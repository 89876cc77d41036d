"""Redis stopped while people post: every post is answered and kept, the worker and the
scheduler wait for Redis instead of quitting, and once it is back the jobs lost with it
(notifications, e-mail deliveries) are found again by the sweeps.

Redis comes back empty (it keeps nothing on disk), as after a crash: the jobs that waited in
it before the outage are lost too. ``FAULT_REDIS_OUTAGE_SECONDS`` sets the outage (3 s in
the suite, 30 s under ``make faults``).
"""

import time

from tests.faults.agency import PASSWORD, conversation, every_notification_sent
from tests.faults.posting import Outcome, Posting
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
    outcome = Outcome(posting.snapshot(), stack.comment_bodies(LABEL), went_down, came_back)
    failed = [post for post in outcome.posts if not post.accepted]

    # What was lost with Redis is found again: the watcher hears of every comment.
    stack.settle(
        lambda: every_notification_sent(stack, talk),
        timeout=60 + 2 * OUTAGE_SECONDS,
        what="every notification",
    )
    fault_report(
        f"Redis stopped {OUTAGE_SECONDS:g} s during posting",
        **outcome.figures(),
        slowest_answer=f"{max(post.seconds for post in outcome.posts):.2f} s",
        mails_delivered=len(stack.smtp.mailbox.messages),
    )
    assert not failed, f"{len(failed)} posts failed, e.g. {failed[:3]}"
    assert not outcome.lost, f"accepted comments not stored: {outcome.lost[:5]}"
    assert outcome.during and all(post.accepted for post in outcome.during)
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
