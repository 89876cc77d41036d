"""Delivering outbox rows over SMTP (or to the log), retrying with backoff from the database.

A message is sent at most once per successful SMTP hand-over: its row is locked while it is
sent and marked sent in the same transaction. The one window for a duplicate is a crash
after the SMTP server accepted the message and before that commit.
"""

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage as MimeMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.jobs import enqueue
from portal.models import EmailMessage, EmailStatus, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# How long to wait before trying again after the n-th failed attempt.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15),
           timedelta(hours=1), timedelta(hours=4))  # fmt: skip


def grace() -> timedelta:
    """How long a pending message may wait before the sweep re-enqueues it (a lost job)."""
    return timedelta(seconds=current_app.config["OUTBOX_GRACE_SECONDS"])


def build_mime(message: EmailMessage, sender: str) -> MimeMessage:
    """The MIME form of an outbox row: plain text with an HTML alternative."""
    mime = MimeMessage()
    mime["From"] = sender
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Message-ID"] = make_msgid(idstring=f"portal-{message.id}")
    if message.unsubscribe_url:
        mime["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        mime["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mime.set_content(message.text_body)
    if message.html_body:
        mime.add_alternative(message.html_body, subtype="html")
    return mime


def _send_over_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(build_mime(message, config["MAIL_FROM"]))


def deliver_email(message_id: int) -> None:
    """Send outbox row ``message_id`` unless it has gone already; record the outcome.

    A failure is written to the row and retried later by the sweep, with backoff; after
    ``MAX_ATTEMPTS`` the row is marked failed for an admin to look at.
    """
    message = db.session.get(EmailMessage, message_id, with_for_update=True)
    if message is None or message.status != EmailStatus.PENDING:
        return
    message.attempts += 1
    if not current_app.config["MAIL_SERVER"]:
        log.info("e-mail to %s: %s\n%s", message.to_address, message.subject, message.text_body)
        message.status, message.sent_at = EmailStatus.LOGGED, utcnow()
        return
    try:
        _send_over_smtp(message)
    except (OSError, smtplib.SMTPException) as error:
        record_failure(message, error)
        return
    message.status, message.sent_at, message.last_error = EmailStatus.SENT, utcnow(), None


def record_failure(message: EmailMessage, error: Exception) -> None:
    """Note a failed attempt: retry later with backoff, or give up after the last attempt."""
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = EmailStatus.FAILED
        message.next_attempt_at = None
    else:
        message.next_attempt_at = utcnow() + BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
    log.warning("e-mail %s attempt %s failed: %s", message.id, message.attempts, error)


def sweep_outbox() -> int:
    """Enqueue delivery of every pending message whose time has come; returns how many.

    This re-finds messages whose job was lost (Redis down at the time) and retries failed
    attempts once their backoff has passed.
    """
    now = utcnow()
    due = db.session.scalars(
        select(EmailMessage)
        .where(EmailMessage.status == EmailStatus.PENDING, EmailMessage.next_attempt_at <= now)
        .order_by(EmailMessage.id)
        .limit(500)
    ).all()
    for message in due:
        message.next_attempt_at = now + grace()
        enqueue(deliver_email, message.id, queue="mail")
    return len(due)


def retry_failed(message: EmailMessage) -> None:
    """Give a failed message a fresh set of attempts, starting now."""
    message.status, message.attempts = EmailStatus.PENDING, 0
    message.next_attempt_at = utcnow() + grace()
    enqueue(deliver_email, message.id, queue="mail")
