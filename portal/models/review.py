"""Review notices: who is owed word of a new version or a decision, and whether they had it."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class ReviewNotice(db.Model):
    """One person's notice of a new version of a draft (``decision_id`` empty) or of a
    decision on one, written with it for each person it concerns.

    Opening the draft's page marks the person's notices on it seen, and a seen notice is
    neither e-mailed nor put in a digest. ``handled_at`` is when its as-it-happens e-mail
    went, or was found not owed (the person reads it in their digest, or gets no e-mail).
    """

    __tablename__ = "review_notices"
    __table_args__ = (Index("ix_review_notices_user_id_draft_id", "user_id", "draft_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# What the e-mail sweep looks for: notices neither e-mailed (or settled) nor seen yet.
Index(
    "ix_review_notices_pending",
    ReviewNotice.user_id,
    sqlite_where=ReviewNotice.handled_at.is_(None) & ReviewNotice.seen_at.is_(None),
    postgresql_where=ReviewNotice.handled_at.is_(None) & ReviewNotice.seen_at.is_(None),
)
