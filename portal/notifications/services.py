"""E-mail about new comments (mentions, and replies in threads a person watches) and about
the review itself (new versions and decisions, see ``portal.notifications.review``).

Posting a comment schedules one job a few minutes later; that job finds who the comment may
concern and sends each of them one e-mail with everything due for them by then, so a burst of
comments is one e-mail per person.
What was read in the portal meanwhile is left out, and nothing is ever e-mailed twice:
each subscription remembers the last comment e-mailed. A sweep every minute finds what a
lost job (Redis down) would have sent.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, and_, case, exists, or_, select, update
from sqlalchemy.orm import joinedload

from portal import access
from portal.clients.services import client_slugs
from portal.extensions import db
from portal.jobs import batched, each_in_its_own_transaction, enqueue
from portal.mail.outbox import queue_email
from portal.mail.reply_addresses import reply_placeholder
from portal.models import (
    Comment,
    EmailFrequency,
    FollowLevel,
    Mention,
    Subscription,
    Thread,
    User,
    Verdict,
    utcnow,
)
from portal.notifications.preferences import in_quiet_hours, unsubscribe_url
from portal.notifications.review import (
    give_decision_notices,
    give_version_notices,
    mark_handled,
    people_with_review_email_due,
    review_items_due,
)
from portal.urls import public_url, thread_location

MAX_ITEMS = 50


def batching_window() -> timedelta:
    """How long a comment waits, so that a burst of comments makes one e-mail."""
    return timedelta(seconds=current_app.config["NOTIFY_DELAY_SECONDS"])


def due_comments(user: User, now: datetime) -> Select:
    """The comments ``user`` should be e-mailed about now, oldest first.

    Mentions always count (unless e-mail is off); other comments by others count in threads
    the person watches, if they asked for e-mail as it happens. Only what they may see, have
    not read and were not e-mailed about, and older than the batching window.

    Whatever is due waits in a thread the person follows (a mention makes them follow it)
    and marked unread, so the search starts from those few subscriptions, not from every
    comment of every client the person serves.
    """
    mentioned = exists().where(Mention.comment_id == Comment.id, Mention.user_id == user.id)
    watching = and_(
        Subscription.level == FollowLevel.WATCHING,
        user.email_frequency == EmailFrequency.IMMEDIATE,
    )
    return (
        access.visible_comments(user)
        .join(
            Subscription,
            and_(
                Subscription.thread_id == Thread.id,
                Subscription.user_id == user.id,
                Subscription.unread,
            ),
        )
        .options(joinedload(Comment.author), joinedload(Comment.thread))
        .where(
            Comment.author_id != user.id,
            Comment.deleted_at.is_(None),
            Comment.created_at <= now - batching_window(),
            Comment.id > Subscription.last_read_comment_id,
            Comment.id > Subscription.last_emailed_comment_id,
            or_(mentioned, watching),
        )
        .order_by(Comment.id)
    )


def notify_followers(comment: Comment) -> None:
    """After the commit, schedule one e-mail check for everyone this comment may concern."""
    enqueue(notify_comment, comment.id, delay=batching_window())


def notify_version_ready(version) -> None:
    """Give notice of a new version to those it concerns, and after the commit schedule the
    e-mail check for those who want e-mail as it happens."""
    _check_after_the_window(give_version_notices(version))


def notify_decision(decision) -> None:
    """Give notice of a decision to those it concerns, and after the commit schedule the
    e-mail check for those who want e-mail as it happens."""
    _check_after_the_window(give_decision_notices(decision))


def _check_after_the_window(user_ids: list[int]) -> None:
    for user_id in user_ids:
        enqueue(notify_people, user_id, delay=batching_window())


def comment_recipients(comment: Comment) -> list[int]:
    """Who ``comment`` may concern: the thread's watchers and the people it mentions, but
    not its author. ``send_notifications`` decides what each of them is owed."""
    watchers = select(Subscription.user_id).where(
        Subscription.thread_id == comment.thread_id,
        Subscription.level == FollowLevel.WATCHING,
    )
    mentioned = select(Mention.user_id).where(Mention.comment_id == comment.id)
    return sorted(set(db.session.scalars(watchers.union(mentioned))) - {comment.author_id})


def notify_comment(comment_id: int, now: datetime | None = None) -> None:
    """A job, a batching window after a comment: e-mail each person it concerns what is due.

    One job per comment, however many watch the thread; each person's e-mail is
    ``send_notifications``, so a burst of comments still makes one e-mail each. If the job
    fails, the whole batch rolls back and ``sweep_notifications`` re-finds it.
    """
    now = now or utcnow()
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        return
    for user_id in comment_recipients(comment):
        send_notifications(user_id, now)


def send_notifications(user_id: int, now: datetime | None = None) -> None:
    """E-mail ``user_id`` what is due for them (comments, then news of their reviews) in one
    message, or nothing if nothing is."""
    now = now or utcnow()
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.email_frequency == EmailFrequency.OFF:
        return
    if in_quiet_hours(user, now):
        return
    comments = db.session.scalars(due_comments(user, now).limit(MAX_ITEMS)).unique().all()
    notice_ids, reviews = review_items_due(user, now - batching_window())
    if notice_ids:
        mark_handled(notice_ids, now)
    if not comments and not reviews:
        return
    items = _comment_items(user, comments) if comments else []
    newest = f"{comments[-1].id if comments else 0}" + (f"-r{notice_ids[-1]}" if reviews else "")
    # A reply goes to the one conversation the e-mail is about; else to each item's address.
    addresses = {item["reply_address"] for item in [*items, *reviews]}
    reply_to = addresses.pop() if len(addresses) == 1 else None
    queue_email(
        to=user.email,
        user=user,
        subject=_subject(items, reviews),
        template="notification",
        dedupe_key=f"notify-{user.id}-{newest}",
        unsubscribe_url=unsubscribe_url(user),
        reply_to=reply_to,
        items=items,
        reviews=reviews,
    )
    if comments:
        _mark_emailed(user, comments)


def _comment_items(user: User, comments: list[Comment]) -> list[dict]:
    """The e-mail's items for ``comments``: each with its thread, whether it mentions
    ``user``, and its deep link."""
    slugs = client_slugs({comment.client_id for comment in comments})
    mentioned = set(
        db.session.scalars(
            select(Mention.comment_id).where(
                Mention.user_id == user.id, Mention.comment_id.in_([c.id for c in comments])
            )
        )
    )
    return [
        {
            "comment": comment,
            "thread": comment.thread,
            "mentioned": comment.id in mentioned,
            "link": _link(comment, slugs),
            "reply_address": reply_placeholder(user.id, comment.thread_id),
        }
        for comment in comments
    ]


def _link(comment: Comment, slugs: dict[int, str]) -> str:
    """The deep link to ``comment`` on the page its thread is read on."""
    endpoint, values = thread_location(comment.thread, slugs[comment.client_id], comment.id)
    return public_url(endpoint, **values)


def _subject(items, reviews) -> str:
    if reviews and items:
        return f"{len(reviews)} review updates and {len(items)} new comments"
    if reviews:
        return _review_subject(reviews)
    threads = {item["thread"].id: item["thread"] for item in items}
    if len(threads) == 1:
        (thread,) = threads.values()
        who = items[-1]["comment"].author.attributed_name
        if any(item["mentioned"] for item in items):
            return f"{who} mentioned you in “{thread.title}”"
        return f"New in “{thread.title}”"
    return f"{len(items)} new comments in {len(threads)} conversations"


def _review_subject(reviews) -> str:
    if len(reviews) > 1:
        return f"{len(reviews)} review updates"
    (review,) = reviews
    if review["kind"] == "version":
        return f"{review['title']} is ready for your review"
    if review["verdict"] == Verdict.APPROVED:
        return f"{review['who']} approved {review['title']}"
    return f"{review['who']} requested changes to {review['title']}"


def _mark_emailed(user: User, comments: list[Comment]) -> None:
    """Move each thread's e-mailed mark up to its newest comment in ``comments`` (never
    back), in one statement; ``due_comments`` found them through these subscriptions."""
    newest_by_thread: dict[int, int] = {}
    for comment in comments:
        newest_by_thread[comment.thread_id] = comment.id
    newest = case(newest_by_thread, value=Subscription.thread_id)
    emailed = Subscription.last_emailed_comment_id
    db.session.execute(
        update(Subscription)
        .where(Subscription.user_id == user.id, Subscription.thread_id.in_(newest_by_thread))
        .values(last_emailed_comment_id=case((emailed < newest, newest), else_=emailed))
    )


@batched
def notify_people(*user_ids: int) -> None:
    """E-mail each of ``user_ids`` what is due for them, each in a transaction of its own."""
    now = utcnow()
    each_in_its_own_transaction(
        user_ids, lambda user_id: send_notifications(user_id, now), "notifying user"
    )


def sweep_notifications(now: datetime | None = None) -> int:
    """Schedule the e-mail check for everyone who may have something due; returns how many.

    It errs on the side of asking: ``send_notifications`` decides exactly and sends nothing
    twice.
    """
    now = now or utcnow()
    cutoff = now - batching_window()
    candidate = (
        select(Subscription.user_id)
        .join(Comment, Comment.thread_id == Subscription.thread_id)
        .join(User, User.id == Subscription.user_id)
        .where(
            Comment.author_id != Subscription.user_id,
            Comment.deleted_at.is_(None),
            Comment.created_at <= cutoff,
            Comment.id > Subscription.last_read_comment_id,
            Comment.id > Subscription.last_emailed_comment_id,
            User.active.is_(True),
            User.email_frequency != EmailFrequency.OFF,
            or_(
                exists().where(
                    Mention.comment_id == Comment.id, Mention.user_id == Subscription.user_id
                ),
                and_(
                    Subscription.level == FollowLevel.WATCHING,
                    User.email_frequency == EmailFrequency.IMMEDIATE,
                ),
            ),
        )
        .distinct()
    )
    user_ids = db.session.scalars(candidate.union(people_with_review_email_due(cutoff))).all()
    for user_id in user_ids:
        enqueue(notify_people, user_id)
    return len(user_ids)
