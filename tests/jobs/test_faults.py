"""A worker killed in the middle of sending digests: after a restart, every digest arrives.

The only duplicates allowed are the documented window: a message the SMTP server accepted
just before the worker died, whose "sent" mark was never committed.
"""

import time
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select

from portal.digests.services import schedule_digests
from portal.extensions import db
from portal.jobs import dispatch_ready
from portal.mail.delivery import grace, sweep_outbox
from portal.models import ClientRole, Comment, EmailMessage, EmailStatus, StaffRole, User
from tests.factories import assign, make_client, make_client_user, make_staff, make_thread

PEOPLE = 6
NOW = datetime(2026, 11, 4, 9, tzinfo=UTC)


def seed_people_with_something_to_read(app) -> list[str]:
    """Staff who each have a client question waiting, so each is owed a digest."""
    with app.app_context():
        client = make_client("Alpha", slug="alpha")
        reviewer = make_client_user(client, ClientRole.MEMBER)
        addresses = []
        for n in range(PEOPLE):
            writer = make_staff(StaffRole.COPYWRITER, email=f"writer{n}@agency.test")
            assign(client, writer)
            addresses.append(writer.email)
        make_thread(client, reviewer, title="Launch", body="Is the launch still on?")
        for user in db.session.scalars(select(User)):
            user.created_at = NOW.replace(day=1)
        for comment in db.session.scalars(select(Comment)):
            comment.created_at = NOW.replace(day=3)
        db.session.commit()
        return addresses


def tick_at(app, now) -> int:
    """The scheduler's periodic work at ``now`` (a frozen clock): digests and the outbox."""
    with app.app_context():
        queued = schedule_digests(now=now)
        sweep_outbox()
        db.session.commit()
        dispatch_ready()
        return queued


def let_the_outbox_grace_pass(app) -> None:
    """Backdate every pending message's next attempt by the outbox's grace period.

    What the sweep then finds due is what it would find once the grace had passed: the
    messages whose delivery job died with the worker.
    """
    with app.app_context():
        pending = select(EmailMessage).where(EmailMessage.status == EmailStatus.PENDING)
        for message in db.session.scalars(pending):
            message.next_attempt_at -= grace()
        db.session.commit()


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_worker_killed_mid_run_delivers_every_digest_after_a_restart(app, jobs_on_redis, mailbox):
    box, _ = mailbox
    box.delay = 0.4
    addresses = seed_people_with_something_to_read(app)
    assert tick_at(app, NOW) == PEOPLE + 1  # the reviewer's will be empty

    worker = jobs_on_redis.start()
    wait_for(lambda: len(box.messages) >= 2)
    jobs_on_redis.kill(worker)
    delivered_before_the_crash = len(box.messages)
    assert delivered_before_the_crash < PEOPLE, "the worker finished before it was killed"

    let_the_outbox_grace_pass(app)
    for _ in range(2):
        tick_at(app, NOW)
        jobs_on_redis.burst()

    received = Counter(rcpt for rcpts, _ in box.messages for rcpt in rcpts)
    assert set(received) == set(addresses), "a digest never arrived"
    duplicates = sum(count - 1 for count in received.values())
    assert duplicates <= 1, f"more duplicates than the in-flight message: {received}"
