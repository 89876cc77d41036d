"""Queries over comments and threads that several features share."""

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import aliased

from portal import access
from portal.models import Comment, Thread, ThreadKind, User, UserKind

# Built once: an alias derives its column collections on first use, which cost more than
# the rest of a comment post when each call made new ones.
_REPLY, _STAFF = aliased(Comment, name="reply"), aliased(User, name="reply_author")


def discussion_of(draft_id) -> ColumnElement[bool]:
    """A condition on ``Thread``: it is the discussion thread of the draft ``draft_id`` (a
    column or a bound parameter), where the draft's page posts its comments."""
    return and_(Thread.draft_id == draft_id, Thread.kind == ThreadKind.DRAFT)


def first_staff_reply_id(comment):
    """A scalar: the id of the first client-visible staff answer after ``comment``, or NULL.
    Staff-only notes are no answer.

    Ordered and limited rather than ``min()``: the scan stops at that answer instead of
    reading the rest of the thread."""
    reply, staff = _REPLY, _STAFF
    return (
        select(reply.id)
        .where(
            reply.thread_id == comment.thread_id,
            reply.id > comment.id,
            access.shared_with_client(reply),
            reply.deleted_at.is_(None),
            staff.id == reply.author_id,
            staff.kind == UserKind.STAFF,
        )
        .order_by(reply.id)
        .limit(1)
        .correlate(comment)
        .scalar_subquery()
    )


def unanswered_client_comments() -> Select:
    """Client comments with no staff answer after them and not resolved: the agency's move.

    It reads the answer kept on each comment (``portal.threads.answers``) through the
    partial index of the comments waiting, so it costs what waits, not every comment.
    Internal threads hold no client comments, so they never appear.
    """
    return select(Comment.id, Comment.thread_id, Comment.client_id, Comment.created_at).where(
        Comment.awaiting_answer
    )
