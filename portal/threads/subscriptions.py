"""Who follows a thread, how closely, and how far they have read it."""

from collections.abc import Iterable

from sqlalchemy import bindparam, case, func, insert, select, update

from portal import access
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Comment, FollowLevel, Mention, Subscription, Thread, User


def follow(user: User, thread: Thread) -> Subscription:
    """The user's subscription to ``thread``, made (watching) if they had none."""
    subscription = db.session.scalar(
        select(Subscription).where(
            Subscription.thread_id == thread.id, Subscription.user_id == user.id
        )
    )
    if subscription is None:
        subscription = Subscription(thread_id=thread.id, user_id=user.id)
        db.session.add(subscription)
        db.session.flush()
    return subscription


def follow_all(user_ids: Iterable[int], thread: Thread) -> None:
    """Make everyone in ``user_ids`` follow ``thread`` (watching) unless they already do.

    One select finds who already does and one insert adds the rest, however many there are.
    """
    user_ids = set(user_ids)
    if not user_ids:
        return
    following = db.session.scalars(
        select(Subscription.user_id).where(
            Subscription.thread_id == thread.id, Subscription.user_id.in_(user_ids)
        )
    )
    missing = sorted(user_ids - set(following))
    if missing:
        db.session.execute(
            insert(Subscription), [{"thread_id": thread.id, "user_id": uid} for uid in missing]
        )


def mark_read(user: User, thread: Thread, up_to_comment_id: int) -> None:
    """Record that ``user`` has read ``thread`` up to that comment (never backwards), work
    out again whether anything still waits for them there, and mark read the mentions of
    them up to that comment."""
    subscription = follow(user, thread)
    read_up_to = Subscription.last_read_comment_id
    # Always written, so the row is locked before the unread mark is worked out: a comment
    # whose post marked this row unread has committed by then, and the next statement,
    # which sees it, leaves the mark set.
    db.session.execute(
        update(Subscription)
        .where(Subscription.id == subscription.id)
        .values(
            last_read_comment_id=case(
                (read_up_to < up_to_comment_id, up_to_comment_id), else_=read_up_to
            )
        )
    )
    db.session.execute(
        update(Subscription)
        .where(Subscription.id == subscription.id)
        .values(unread=_waits_after_read_mark(access.comment_readable_by(user), user.id))
    )
    db.session.execute(
        update(Mention)
        .where(
            Mention.user_id == user.id,
            ~Mention.read,
            Mention.comment_id <= up_to_comment_id,
            Mention.comment_id.in_(select(Comment.id).where(Comment.thread_id == thread.id)),
        )
        .values(read=True)
    )


def mark_unread_for_others(comment: Comment, thread: Thread) -> None:
    """``comment`` was posted or shared: it waits for everyone else following ``thread`` who
    may read it."""
    db.session.execute(
        update(Subscription)
        .where(
            Subscription.thread_id == thread.id,
            Subscription.user_id != comment.author_id,
            ~Subscription.unread,
            Subscription.user_id.in_(select(User.id).where(access.may_read(comment, thread))),
        )
        .values(unread=True)
    )


def _waits_after_read_mark(readable, reader_id):
    """A condition on a subscription: a comment by someone else than ``reader_id``, not
    deleted and ``readable``, comes after its read mark."""
    return (
        select(Comment.id)
        .join(Thread, Thread.id == Comment.thread_id)
        .where(
            Comment.thread_id == Subscription.thread_id,
            Comment.id > Subscription.last_read_comment_id,
            Comment.author_id != reader_id,
            Comment.deleted_at.is_(None),
            readable,
        )
        .exists()
    )


def refresh_unread_subscriptions() -> None:
    """Work out every subscription's unread mark from its read mark: for rows written around
    the services (bulk loads, read marks moved by hand)."""
    readable = access.readable_by_person(Subscription.user_id)
    db.session.execute(
        update(Subscription)
        .values(unread=_waits_after_read_mark(readable, Subscription.user_id))
        .execution_options(synchronize_session=False)
    )


def refresh_read_mentions() -> None:
    """Mark every mention read or unread from its reader's read mark in its thread: for
    rows written around ``mark_read`` (bulk loads, read marks moved by hand)."""
    read_up_to = (
        select(Subscription.last_read_comment_id)
        .join(Comment, Comment.thread_id == Subscription.thread_id)
        .where(Comment.id == Mention.comment_id, Subscription.user_id == Mention.user_id)
        .scalar_subquery()
    )
    db.session.execute(
        update(Mention)
        .values(read=Mention.comment_id <= func.coalesce(read_up_to, 0))
        .execution_options(synchronize_session=False)
    )


# Every thread and draft page asks it: built once, since building costs as much as running it.
FOLLOW_LEVEL = select(Subscription.level).where(
    Subscription.thread_id == bindparam("thread_id"), Subscription.user_id == bindparam("user_id")
)


def follow_level(user: User, thread: Thread) -> str | None:
    """How closely ``user`` follows ``thread``, or None if they don't."""
    return db.session.scalar(FOLLOW_LEVEL, {"thread_id": thread.id, "user_id": user.id})


def set_follow_level(user: User, thread: Thread, level: str) -> None:
    """Watch a thread, hear only of mentions, or mute it."""
    if level not in set(FollowLevel):
        raise InvalidInput("Choose watching, mentions only or muted.")
    follow(user, thread).level = level
