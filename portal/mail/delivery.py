"""Delivering outbox rows over SMTP (or to the log), retrying with backoff from the database.

No transaction is open while the SMTP server is talked to: on SQLite, where work outside a
request holds the write lock for its whole transaction, a slow server would otherwise hold
every writer off. A worker claims the message in a short transaction (``sending_since``),
sends it, and writes the outcome in another; a claim stands for ``CLAIM_TIMEOUT``, longer
than any SMTP conversation, and only then may another worker take the message over (its
worker died). So a message is sent at most once per successful SMTP hand-over; the one
window for a duplicate is a crash after the SMTP server accepted the message and before the
outcome's commit. Messages queued together go out as one job over one SMTP connection.
"""

import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage as MimeMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.jobs import batched, enqueue
from portal.mail.reply_addresses import reply_domain
from portal.mail.secret_links import reveal, shown
from portal.models import EmailMessage, EmailStatus, utcnow
from portal.validation import is_email_address

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# How long to wait before trying again after the n-th failed attempt.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15),
           timedelta(hours=1), timedelta(hours=4))  # fmt: skip
# How long a worker's claim on a message stands: well beyond an SMTP conversation, whose
# every step times out after SMTP_TIMEOUT_SECONDS.
CLAIM_TIMEOUT = timedelta(minutes=10)
SMTP_TIMEOUT_SECONDS = 30

# In the Message-ID of every message we send, before the outbox row's id.
OUR_MESSAGE_ID_MARK = "portal-"


def grace() -> timedelta:
    """How long a pending message may wait before the sweep re-enqueues it (a lost job)."""
    return timedelta(seconds=current_app.config["OUTBOX_GRACE_SECONDS"])


def build_mime(message: EmailMessage, sender: str) -> MimeMessage:
    """The MIME form of an outbox row: plain text with an HTML alternative.

    Every message says it was sent by a program (RFC 3834), asks autoresponders to keep
    quiet, and carries ``X-Loop`` and a Message-ID at the reply domain, by which the inbound
    receiver knows our own mail coming back (``portal.mail.inbound``).
    """
    mime = MimeMessage()
    mime["From"] = sender
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Message-ID"] = make_msgid(idstring=f"{OUR_MESSAGE_ID_MARK}{message.id}",
                                    domain=reply_domain())  # fmt: skip
    mime["Auto-Submitted"] = "auto-generated"
    mime["X-Auto-Response-Suppress"] = "All"
    mime["X-Loop"] = reply_domain()
    if message.reply_to:
        mime["Reply-To"] = reveal(message.reply_to)
    if message.unsubscribe_url:
        mime["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        mime["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mime.set_content(reveal(message.text_body))
    if message.html_body:
        mime.add_alternative(reveal(message.html_body, html=True), subtype="html")
    return mime


class SmtpConnection:
    """One SMTP connection for a batch of messages: opened on the first send, closed after
    a failure (the next send opens it again) and at the end of the batch."""

    def __init__(self):
        self.smtp: smtplib.SMTP | None = None

    def send(self, mime: MimeMessage) -> None:
        try:
            if self.smtp is None:
                self.smtp = self._open(current_app.config)
            self.smtp.send_message(mime)
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _open(config) -> smtplib.SMTP:
        smtp = smtplib.SMTP(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS
        )
        try:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


@batched
def deliver_email(*message_ids: int) -> None:
    """Send each outbox row of ``message_ids`` that has not gone already, over one SMTP
    connection, and commit each outcome as it comes.

    A failure is written to the row and retried later by the sweep, with backoff; after
    ``MAX_ATTEMPTS`` the row is marked failed for an admin to look at.
    """
    connection = SmtpConnection()
    try:
        for message_id in message_ids:
            _deliver_one(message_id, connection)
    finally:
        connection.close()


def _deliver_one(message_id: int, connection: SmtpConnection) -> None:
    claimed = _claim(message_id)
    db.session.commit()
    if claimed is None:
        return
    since, mime = claimed
    try:
        connection.send(mime)
    except (OSError, smtplib.SMTPException) as error:
        _record_outcome(message_id, since, error)
    else:
        _record_outcome(message_id, since, None)
    db.session.commit()


def _claim(message_id: int) -> tuple[datetime, MimeMessage] | None:
    """Claim a pending message for sending: the claim's time and the message to send, or
    None when there is nothing to send (gone already, claimed by another, or only logged)."""
    message = db.session.get(EmailMessage, message_id, with_for_update=True)
    now = utcnow()
    if message is None or message.status != EmailStatus.PENDING:
        return None
    if message.sending_since is not None and message.sending_since > now - CLAIM_TIMEOUT:
        return None
    message.attempts += 1
    if not is_email_address(message.to_address):
        # Saved before addresses were checked as strictly: its To header would name others.
        message.status, message.next_attempt_at = EmailStatus.FAILED, None
        message.last_error = "Not one address we can send to."
        log.warning("e-mail %s not sent: its address is not one address", message.id)
        return None
    if not current_app.config["MAIL_SERVER"]:
        log.info(
            "e-mail %s to %s: %s\n%s",
            message.id,
            message.to_address,
            message.subject,
            shown(message.text_body),
        )
        message.status, message.sent_at = EmailStatus.LOGGED, now
        return None
    # Should the worker die now, the sweep comes back for the message as the claim runs out.
    message.sending_since, message.next_attempt_at = now, now + CLAIM_TIMEOUT
    return now, build_mime(message, current_app.config["MAIL_FROM"])


def _record_outcome(message_id: int, since: datetime, error: Exception | None) -> None:
    """Mark the message claimed at ``since`` sent, or note its failure (``error``)."""
    message = db.session.get(EmailMessage, message_id, with_for_update=True)
    if message is None or message.status != EmailStatus.PENDING:
        return
    if error is None:
        message.status, message.sent_at, message.last_error = EmailStatus.SENT, utcnow(), None
    elif message.sending_since != since:
        return  # the claim ran out and another worker has the message now
    else:
        record_failure(message, error)
    message.sending_since = None


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
