"""The digest ledger: one row per person per period, claimed before anything is sent."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class DigestRun(db.Model):
    """A person's digest for one period (``daily:2026-11-25``, ``weekly:2026-W48``).

    The unique (user, period) pair is the claim: a second job for the same period finds it
    taken and does nothing. The window is where the previous run ended up to this period's
    time, so a late digest still covers every item exactly once.
    """

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("user_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(32))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    item_count: Mapped[int] = mapped_column(default=0)
    email_message_id: Mapped[int | None] = mapped_column(ForeignKey("email_messages.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
