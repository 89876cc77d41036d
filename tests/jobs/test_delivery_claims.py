"""Delivery holds no transaction while it talks to the SMTP server.

The worker claims a message in a short transaction, sends it with none open, and writes the
outcome in another. On SQLite, where work outside a request begins with the write lock, a
transaction open over a slow SMTP conversation held every writer off (web posts answered
"database is locked" after the busy timeout); on PostgreSQL it held the message's row.
A claim stands for ``CLAIM_TIMEOUT``: meanwhile no other job sends the message, and after
it another may, so a message whose worker died is not lost.
"""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.pool import NullPool

from portal.extensions import db, read_only_transaction
from portal.mail.delivery import CLAIM_TIMEOUT, deliver_email
from portal.mail.outbox import queue_email
from portal.models import EmailMessage, EmailStatus, utcnow
from tests.faults.stack import FaultyMailbox, SmtpServer

# How long the other writer waits for a lock before giving up: short, as the sender holds
# none, and far below the SMTP server's stall.
WRITER_WAIT_MS = 200


@pytest.fixture
def smtp(app, monkeypatch):
    """An aiosmtpd server of the test's own that the app sends to."""
    server = SmtpServer(mailbox=FaultyMailbox())
    server.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    yield server
    server.mailbox.release()
    server.stop()


def queued_message(app, address: str = "dana@client.test") -> int:
    """An outbox row, committed, its delivery job not run: the message's id."""
    with app.app_context():
        message = queue_email(
            to=address, subject="Hello", template="notification", dedupe_key=address, items=[]
        )
        db.session.commit()
        db.session.info.clear()  # the job is ours to run
        return message.id


def deliver(app, *message_ids: int) -> None:
    with app.app_context():
        deliver_email(*message_ids)


def outbox_row(app, message_id: int) -> EmailMessage:
    with app.app_context():
        read_only_transaction()
        message = db.session.get(EmailMessage, message_id)
        db.session.expunge(message)
        return message


def another_connection_writes(app, message_id: int) -> None:
    """Another connection, as a web request would, changes the message's row, waiting at
    most ``WRITER_WAIT_MS`` for a lock; raises OperationalError if it had to wait longer."""
    with app.app_context():
        engine = create_engine(db.engine.url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql(f"PRAGMA busy_timeout={WRITER_WAIT_MS}")
            else:
                connection.exec_driver_sql(f"SET lock_timeout = {WRITER_WAIT_MS}")
            connection.execute(
                update(EmailMessage)
                .where(EmailMessage.id == message_id)
                .values(unsubscribe_url="https://portal.test/unsubscribe")
            )
            connection.commit()
    finally:
        engine.dispose()


def test_others_write_while_the_smtp_server_stalls_on_a_message(app, smtp):
    message_id = queued_message(app)
    smtp.mailbox.hold()
    sender = threading.Thread(target=deliver, args=(app, message_id))
    sender.start()
    try:
        assert smtp.mailbox.holding.wait(30), "the message never reached the SMTP server"
        another_connection_writes(app, message_id)
        sending = outbox_row(app, message_id)
    finally:
        smtp.mailbox.release()
        sender.join(30)
    # Should the worker have died meanwhile, the sweep would come back as the claim ran out.
    assert sending.next_attempt_at == sending.sending_since + CLAIM_TIMEOUT
    row = outbox_row(app, message_id)
    assert (row.status, row.attempts, row.sending_since) == (EmailStatus.SENT, 1, None)
    assert row.unsubscribe_url == "https://portal.test/unsubscribe"
    assert len(smtp.mailbox.messages) == 1


def test_a_message_claimed_by_another_worker_is_left_to_it(app, smtp):
    message_id = queued_message(app)
    claimed_at = utcnow() - CLAIM_TIMEOUT + timedelta(minutes=1)
    claim(app, message_id, claimed_at)
    deliver(app, message_id)
    row = outbox_row(app, message_id)
    assert (row.status, row.attempts, row.sending_since) == (EmailStatus.PENDING, 0, claimed_at)
    assert smtp.mailbox.messages == []


def test_a_claim_older_than_its_timeout_is_taken_over(app, smtp):
    # Its worker died after claiming it: the message goes all the same.
    message_id = queued_message(app)
    claim(app, message_id, utcnow() - CLAIM_TIMEOUT - timedelta(seconds=1))
    deliver(app, message_id)
    row = outbox_row(app, message_id)
    assert (row.status, row.attempts, row.sending_since) == (EmailStatus.SENT, 1, None)
    assert len(smtp.mailbox.messages) == 1


def claim(app, message_id: int, at) -> None:
    """Mark the message claimed ``at``, as a worker about to send it would."""
    with app.app_context():
        db.session.execute(
            update(EmailMessage).where(EmailMessage.id == message_id).values(sending_since=at)
        )
        db.session.commit()


def test_a_stored_address_naming_others_is_not_sent_to_anyone(app, smtp):
    # Addresses saved before they were checked as strictly: the To header sends to each.
    message_id = queued_message(app, "dana@client.test, evil@attacker.test")
    deliver(app, message_id)
    row = outbox_row(app, message_id)
    assert (row.status, row.last_error) == (EmailStatus.FAILED, "Not one address we can send to.")
    assert smtp.mailbox.messages == []
