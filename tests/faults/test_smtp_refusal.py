"""The SMTP server away, then refusing, then accepting: the outbox keeps every message and
tries again with growing waits (``BACKOFF``), read from the database, and each message is
delivered once as soon as the server takes it.

The waits between attempts are minutes; the test lets each pass by moving the message's
next attempt back by that wait, as the sweep would find it once the time had come.
"""

from datetime import timedelta

from sqlalchemy import select, update

from portal.mail.delivery import BACKOFF
from portal.models import EmailMessage, EmailStatus, utcnow
from tests.faults.agency import people_owed_a_digest
from tests.faults.stack import wait_until

PEOPLE = 5
# How far the clocks of the worker and the test may be apart in reading a wait.
SLACK = timedelta(seconds=30)


def test_mail_waits_while_the_smtp_server_refuses_and_goes_once_when_it_accepts(
    stack, fault_report
):
    addresses = people_owed_a_digest(stack.app, PEOPLE)
    smtp, mailbox = stack.smtp, stack.smtp.mailbox
    smtp.stop()  # first nobody listens
    stack.start(web=False)

    stack.tick()
    first = wait_for_attempt(stack, 1)
    assert all("Connection refused" in row.last_error for row in first)
    stack.tick()  # a sweep before the wait is over takes none of them
    assert [row.next_attempt_at for row in outbox(stack)] == [row.next_attempt_at for row in first]

    smtp.start()  # then it answers "try again later" to every message
    mailbox.refusing = True
    let_the_wait_pass(stack, BACKOFF[0])
    stack.tick()
    second = wait_for_attempt(stack, 2)
    assert all("451" in row.last_error for row in second)

    mailbox.refusing = False  # and then it takes them
    let_the_wait_pass(stack, BACKOFF[1])
    stack.settle(lambda: all_sent(stack), what="every message sent")

    received = [address for recipients, _ in mailbox.messages for address in recipients]
    fault_report(
        "SMTP server away, then refusing (451), then accepting",
        messages=len(outbox(stack)),
        refused=mailbox.refusals,
        attempts_each=sorted(attempts(stack)),
        mails_delivered=len(received),
        duplicates=len(received) - len(set(received)),
    )
    assert sorted(received) == sorted(addresses), "each message is delivered once"
    assert attempts(stack) == {3}


def outbox(stack) -> list:
    return [row for (row,) in stack.query(select(EmailMessage).order_by(EmailMessage.id))]


def all_sent(stack) -> bool:
    return {row.status for row in outbox(stack)} == {EmailStatus.SENT}


def attempts(stack) -> set[int]:
    return {row.attempts for row in outbox(stack)}


def wait_for_attempt(stack, number: int) -> list:
    """Wait until every message has failed ``number`` times; check that each waits the
    ``number``-th backoff before the next attempt; the messages."""
    wait_until(lambda: attempts(stack) == {number}, timeout=60, what=f"attempt {number}")
    rows, now = outbox(stack), utcnow()
    for row in rows:
        assert row.status == EmailStatus.PENDING
        assert now + BACKOFF[number - 1] - SLACK < row.next_attempt_at <= now + BACKOFF[number - 1]
    return rows


def let_the_wait_pass(stack, wait: timedelta) -> None:
    """Move every message's next attempt back by ``wait``, as if that time had passed."""
    for row in outbox(stack):
        stack.execute(
            update(EmailMessage)
            .where(EmailMessage.id == row.id)
            .values(next_attempt_at=row.next_attempt_at - wait)
        )
