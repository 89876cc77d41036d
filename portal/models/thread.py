"""Threads and their comments: where clients and the people who make the work talk."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class ThreadKind(StrEnum):
    DRAFT = "draft"  # the discussion of one draft
    DIRECT = "direct"  # a conversation with named people or a role on the account
    PROJECT = "project"  # a general thread of a project
    INTERNAL = "internal"  # staff-only, on a client, project or draft


class Thread(db.Model):
    """A conversation that always belongs to one client, and maybe to a project or draft."""

    __tablename__ = "threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    # Staff-only threads never reach client users, in any page, fragment or e-mail.
    internal: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_comment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    participants = relationship("ThreadParticipant", lazy="raise", cascade="all, delete-orphan")


class ThreadParticipant(db.Model):
    """Someone a direct conversation was addressed to (the account team reads along anyway)."""

    __tablename__ = "thread_participants"
    __table_args__ = (UniqueConstraint("thread_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    user = relationship("User", lazy="raise")


class Comment(db.Model):
    """A comment: Markdown source and its sanitised HTML, maybe anchored to part of a version."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_thread_id_id", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # A staff-only note inside a client-visible thread.
    internal: Mapped[bool] = mapped_column(default=False)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"), index=True)
    # {"type": "passage", "quote", "start", "end"} | {"type": "point", "x", "y", "pin"}
    # | {"type": "page", "page"}; x and y are fractions of the width and height.
    anchor: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    # Kept by portal.threads.answers, so "waiting on the agency" never searches every thread:
    # whether a client user wrote it, and (on a client comment) the first later client-visible
    # staff comment in its thread, None while there is none.
    from_client: Mapped[bool]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    revision: Mapped[int] = mapped_column(default=1)
    # The body's tone (VADER compound, -1 to 1) for relationship health: scored by the health
    # job when it first reads the comment, cleared when the body is edited.
    tone: Mapped[float | None] = mapped_column(Float)
    # Indexed for the digest windows.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author = relationship("User", foreign_keys=[author_id], lazy="raise")
    # Without SQL only: a comment's thread is nearly always in the session already.
    thread = relationship("Thread", lazy="raise_on_sql")

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @hybrid_property
    def awaiting_answer(self) -> bool:
        """A client comment with no staff answer after it, neither resolved nor deleted: the
        agency's move. As a condition it matches the partial indexes of the waiting comments."""
        return (
            self.from_client
            and self.answered_by_id is None
            and self.resolved_at is None
            and self.deleted_at is None
        )

    @awaiting_answer.inplace.expression
    @classmethod
    def _awaiting_answer_condition(cls) -> ColumnElement[bool]:
        return and_(
            cls.from_client,
            cls.answered_by_id.is_(None),
            cls.resolved_at.is_(None),
            cls.deleted_at.is_(None),
        )


# Only the comments waiting on the agency, so the inbox and digests cost what waits, not
# every comment ever written: by client (counts, one client's list), oldest first (the
# first page of a list across clients, which PostgreSQL would otherwise read through
# ix_comments_created_at, past every comment answered since), and by thread (whose move it
# is on each draft, which would otherwise read every comment of the draft's thread).
_awaiting = {
    "sqlite_where": Comment.awaiting_answer.expression,
    "postgresql_where": Comment.awaiting_answer.expression,
}
Index("ix_comments_awaiting_answer", Comment.client_id, Comment.created_at, **_awaiting)
Index("ix_comments_awaiting_answer_oldest", Comment.created_at, Comment.id, **_awaiting)
Index("ix_comments_awaiting_answer_thread", Comment.thread_id, Comment.created_at, **_awaiting)
# The clients' own comments by client and time: a health run reads the 30-day window's, and
# each client's last action from the index alone, not every comment of every client. Partial,
# so that with no statistics (SQLite without ANALYZE) the planner still prefers the smaller
# waiting-comment indexes above for the inbox: an equality on from_client made this one win.
Index(
    "ix_comments_client_comments",
    Comment.client_id,
    Comment.created_at,
    Comment.author_id,
    sqlite_where=Comment.from_client,
    postgresql_where=Comment.from_client,
)


class Mention(db.Model):
    """A person a comment mentioned, by name or through their role on the account."""

    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Whether the person has read the thread past this comment: kept by ``mark_read``, so a
    # person's questions are found among their unread mentions, not all they ever had.
    read: Mapped[bool] = mapped_column(default=False)


class FollowLevel(StrEnum):
    WATCHING = "watching"
    MENTIONS = "mentions"
    MUTED = "muted"

    @property
    def label(self) -> str:
        """How often it e-mails, completing "E-mail me …"."""
        return {
            "watching": "about every comment",
            "mentions": "when mentioned",
            "muted": "only when mentioned, muted otherwise",
        }[self.value]


class Subscription(db.Model):
    """A person's following of a thread: how closely, and how far they have read."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("thread_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    level: Mapped[str] = mapped_column(String(16), default=FollowLevel.WATCHING)
    last_read_comment_id: Mapped[int] = mapped_column(default=0)
    last_emailed_comment_id: Mapped[int] = mapped_column(default=0)
    # Whether comments by others the person may read might wait after the read mark: set by
    # each new one, worked out again by ``mark_read``. Never false while one waits (it may be
    # true when none does), so "Unread threads" counts only the subscriptions marked.
    unread: Mapped[bool] = mapped_column(default=True)


class FeedbackStatus(StrEnum):
    ADDRESSED = "addressed"
    DECLINED = "declined"
    OPEN = "open"

    @property
    def label(self) -> str:
        return {"addressed": "Addressed", "declined": "Declined", "open": "Still open"}[self.value]


class FeedbackItem(db.Model):
    """What the maker did, in a new version, with one client comment on the version before."""

    __tablename__ = "feedback_items"
    __table_args__ = (UniqueConstraint("version_id", "comment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")

    comment = relationship("Comment", lazy="raise")

    @property
    def status_label(self) -> str:
        return FeedbackStatus(self.status).label


Index(
    "ix_mentions_unread",
    Mention.user_id,
    Mention.comment_id,
    sqlite_where=~Mention.read,
    postgresql_where=~Mention.read,
)
Index(
    "ix_subscriptions_unread",
    Subscription.user_id,
    sqlite_where=Subscription.unread,
    postgresql_where=Subscription.unread,
)
