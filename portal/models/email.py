"""The e-mail outbox: every message is a row before any job tries to deliver it."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class EmailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    # Embedded mode without MAIL_SERVER: written to the log instead of sent.
    LOGGED = "logged"
    FAILED = "failed"


class EmailMessage(db.Model):
    """One e-mail to one recipient; ``dedupe_key`` makes a retried write a no-op."""

    __tablename__ = "email_messages"
    # The admin outbox: newest first, of all or of one status.
    __table_args__ = (
        Index("ix_email_messages_created_at_id", "created_at", "id"),
        Index("ix_email_messages_status_created_at_id", "status", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=EmailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # When the sweep should (re)try a message still pending: shortly after it was written, in
    # case its delivery job was lost, and later after each failure, backing off.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # When a worker claimed the message to send it (portal.mail.delivery); cleared with the
    # outcome. A claim that old is taken for one whose worker died, and may be taken over.
    sending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The Reply-To of a notification about one thread: a placeholder that becomes the
    # recipient's reply address as it is sent (portal.mail.reply_addresses).
    reply_to: Mapped[str | None] = mapped_column(String(100))
    # Set on digests and notifications: where one click turns e-mail off (RFC 8058).
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReceivedReply(db.Model):
    """A reply by e-mail already acted on (``portal.mail.inbound``): the same message
    delivered again, by a mail server retrying or a job run twice, posts nothing twice."""

    __tablename__ = "received_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the person, the thread and the message's Message-ID (else its bytes).
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
