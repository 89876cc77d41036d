"""Batched jobs: calls that become ready together go out as a few jobs, and e-mail queued
together is delivered over one SMTP connection, a refused message failing alone."""

from rq.job import Job
from sqlalchemy import select

from portal.extensions import db
from portal.jobs import BATCH_LIMIT, batched, dispatch_ready, enqueue
from portal.jobs.queue import get_queue
from portal.mail.outbox import queue_email
from portal.models import EmailMessage, EmailStatus


@batched
def collect(*items) -> None:
    """A batched job that does nothing with its items."""


def unbatched(item) -> None:
    """A job that takes one item at a time."""


def queued_jobs(name: str) -> list[Job]:
    queue = get_queue(name)
    return [queue.fetch_job(job_id) for job_id in queue.job_ids]


def test_calls_ready_together_go_out_as_jobs_of_at_most_the_limit_each(app, jobs_on_redis):
    with app.app_context():
        for n in range(BATCH_LIMIT * 2 + 50):
            enqueue(collect, n)
            enqueue(unbatched, n, queue="slow")
        enqueue(collect, "elsewhere", queue="slow")
        db.session.commit()
        dispatch_ready()
        batches = [job.args for job in queued_jobs("default")]
        slow = [job.args for job in queued_jobs("slow")]
    assert [len(args) for args in batches] == [BATCH_LIMIT, BATCH_LIMIT, 50]
    assert [item for args in batches for item in args] == list(range(BATCH_LIMIT * 2 + 50))
    assert len(slow) == BATCH_LIMIT * 2 + 50 + 1  # one-item jobs stay one job each
    assert slow[-1] == ("elsewhere",)  # a batch is per queue


def test_a_rolled_back_call_is_not_batched(app, jobs_on_redis):
    with app.app_context():
        enqueue(collect, "dropped")
        db.session.rollback()
        enqueue(collect, "kept")
        db.session.commit()
        dispatch_ready()
        assert [job.args for job in queued_jobs("default")] == [("kept",)]


def queue_messages(app, addresses: list[str]) -> None:
    with app.app_context():
        for address in addresses:
            queue_email(
                to=address,
                subject=f"Hello {address}",
                template="notification",
                dedupe_key=f"batch-{address}",
                items=[],
            )
        db.session.commit()
        dispatch_ready()


def statuses(app) -> dict[str, tuple]:
    with app.app_context():
        rows = db.session.scalars(select(EmailMessage)).all()
        return {row.to_address: (row.status, row.attempts, row.last_error) for row in rows}


def test_messages_queued_together_go_out_over_one_connection(app, jobs_on_redis, mailbox):
    box, _ = mailbox
    addresses = [f"person{n}@client.test" for n in range(5)]
    queue_messages(app, addresses)
    with app.app_context():
        assert len(queued_jobs("mail")) == 1
    jobs_on_redis.burst()
    assert sorted(rcpt for rcpts, _ in box.messages for rcpt in rcpts) == addresses
    assert len(box.connections) == 1
    assert {status for status, _, _ in statuses(app).values()} == {EmailStatus.SENT}


def test_a_refused_message_fails_alone_and_the_rest_of_the_batch_goes(app, jobs_on_redis, mailbox):
    box, _ = mailbox
    addresses = ["first@client.test", "gone@client.test", "third@client.test"]
    box.refused.add("gone@client.test")
    queue_messages(app, addresses)
    jobs_on_redis.burst()
    assert sorted(rcpt for rcpts, _ in box.messages for rcpt in rcpts) == [
        "first@client.test",
        "third@client.test",
    ]
    outcome = statuses(app)
    assert outcome["first@client.test"][0] == outcome["third@client.test"][0] == EmailStatus.SENT
    status, attempts, error = outcome["gone@client.test"]
    assert (status, attempts) == (EmailStatus.PENDING, 1)
    assert "550" in error  # kept for the retry with backoff, and for an admin to read
