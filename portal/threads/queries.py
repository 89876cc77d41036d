"""Queries over comments that several features share."""

from datetime import datetime

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import aliased

from portal import access
from portal.models import Comment, User, UserKind


def _staff_replies(comment, before: datetime | None = None, *, first: bool = False) -> Select:
    """Later, client-visible staff comments in ``comment``'s thread (made by ``before``);
    with ``first``, the smallest such id."""
    reply, staff = aliased(Comment), aliased(User)
    query = select(func.min(reply.id) if first else reply.id).where(
        reply.thread_id == comment.thread_id,
        reply.id > comment.id,
        access.shared_with_client(reply),
        reply.deleted_at.is_(None),
        staff.id == reply.author_id,
        staff.kind == UserKind.STAFF,
    )
    if before is not None:
        query = query.where(reply.created_at <= before)
    return query.correlate(comment)


def staff_answered(comment) -> exists:
    """A condition: a later, client-visible staff comment stands in the same thread."""
    return _staff_replies(comment).exists()


def first_staff_reply_id(comment, before: datetime | None = None):
    """A scalar: the id of the first client-visible staff answer after ``comment`` (made by
    ``before``), or NULL. Staff-only notes are no answer."""
    return _staff_replies(comment, before, first=True).scalar_subquery()


def unanswered_client_comments() -> Select:
    """Client comments with no staff answer after them and not resolved: the agency's move.

    Internal threads hold no client comments, so they never appear.
    """
    client = aliased(User)
    return (
        select(Comment.id, Comment.thread_id, Comment.client_id, Comment.created_at)
        .join(client, client.id == Comment.author_id)
        .where(
            client.kind == UserKind.CLIENT,
            Comment.deleted_at.is_(None),
            Comment.resolved_at.is_(None),
            ~staff_answered(Comment),
        )
    )
