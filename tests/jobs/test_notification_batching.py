"""One notification job per comment, however many watch the thread; still one e-mail each."""

from rq.job import Job
from rq.registry import ScheduledJobRegistry

from portal.extensions import db
from portal.jobs import QUEUES
from portal.jobs.queue import get_queue, get_redis
from portal.models import EmailFrequency, StaffRole, Thread
from portal.notifications.services import notify_comment
from portal.threads.subscriptions import follow_all
from tests.factories import assign, make_staff
from tests.jobs.test_notifications import let_the_batching_window_pass, post_mention

WATCHERS = 6


def watchers_of(app, account, thread) -> list[str]:
    """Staff on the account who watch ``thread`` and want e-mail as it happens; addresses."""
    with app.app_context():
        people = [
            make_staff(StaffRole.CREATIVE, email=f"watcher{n}@agency.test",
                       email_frequency=EmailFrequency.IMMEDIATE)
            for n in range(WATCHERS)
        ]  # fmt: skip
        for person in people:
            assign(account.client, person)
        follow_all([person.id for person in people], db.session.get(Thread, thread.id))
        db.session.commit()
        return [person.email for person in people]


def jobs_in_redis(app) -> list[Job]:
    """Every job waiting in Redis, queued now or scheduled for later."""
    with app.app_context():
        connection, ids = get_redis(), []
        for name in QUEUES:
            ids += get_queue(name, connection).get_job_ids()
            ids += ScheduledJobRegistry(name, connection=connection).get_job_ids()
        return Job.fetch_many(ids, connection=connection)


def test_a_comment_seen_by_many_is_one_job_and_one_email_each(
    app, client, account, thread, jobs_on_redis, mailbox
):
    box, _ = mailbox
    watchers = watchers_of(app, account, thread)
    first = post_mention(client, account, thread, "@dana is the date fixed?")
    (job,) = jobs_in_redis(app)
    assert job.func is notify_comment and job.args == (first,)

    second = post_mention(client, account, thread, "Also: which city?")
    assert sorted(job.args for job in jobs_in_redis(app)) == [(first,), (second,)]

    let_the_batching_window_pass(app, jobs_on_redis)
    jobs_on_redis.burst()
    jobs_on_redis.tick()
    jobs_on_redis.burst()
    for address in watchers:
        (message,) = box.to(address)
        assert "is the date fixed?" in box.text(message)
        assert "which city?" in box.text(message)
    (mention,) = box.to("dana@agency.test")
    assert "mentioned you" in mention["Subject"]
    assert len(box.messages) == WATCHERS + 1
