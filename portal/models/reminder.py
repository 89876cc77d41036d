"""The reminders ledger: each reminder of a review that was sent, claimed before it is sent."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class ReminderKind:
    DAY_BEFORE = "day_before"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    # Sent by a member of the account team from the draft page.
    NUDGE = "nudge"


class ReviewReminder(db.Model):
    """One reminder to a reviewer of a version they haven't decided on.

    The unique (version, person, kind, local day) is the claim: a second sweep, a retried job
    or a second click finds it taken and sends nothing. ``local_day`` is the day on the
    reviewer's own clock the reminder is for; ``due_at`` the due time it spoke of.
    """

    __tablename__ = "review_reminders"
    __table_args__ = (UniqueConstraint("version_id", "user_id", "kind", "local_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    local_day: Mapped[date]
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who pressed "nudge" (nudges only).
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    email_message_id: Mapped[int | None] = mapped_column(ForeignKey("email_messages.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
