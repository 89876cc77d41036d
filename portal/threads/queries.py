"""Queries over comments that several features share."""

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import aliased

from portal import access
from portal.models import Comment, User, UserKind


def staff_answered(comment) -> exists:
    """A condition: a later, client-visible staff comment stands in the same thread."""
    reply, staff = aliased(Comment), aliased(User)
    return (
        exists()
        .where(
            reply.thread_id == comment.thread_id,
            reply.id > comment.id,
            access.shared_with_client(reply),
            reply.deleted_at.is_(None),
            staff.id == reply.author_id,
            staff.kind == UserKind.STAFF,
        )
        .correlate(comment)
    )


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
