""" "Waiting on you": what each person should act on, in a fixed number of queries.

Every list is capped at ``LIMIT`` rows and comes with its full count, so the page costs the
same whether five or five thousand things wait.
"""

from dataclasses import dataclass, field

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import joinedload

from portal import access
from portal.counting import capped_count, count_label
from portal.drafts.status import (
    DraftStatus,
    awaits_decision_by,
    draft_states,
    is_newest_version,
)
from portal.extensions import db
from portal.models import (
    Comment,
    Decision,
    Draft,
    FollowLevel,
    Mention,
    Subscription,
    Thread,
    User,
    Verdict,
    Version,
)
from portal.reminders.services import overdue_reviews

LIMIT = 50


@dataclass
class Section:
    """One list of the inbox: the first ``LIMIT`` items and how many there are in all (but
    counted no further than just past ``portal.counting.COUNT_CAP``)."""

    items: list
    total: int

    @property
    def count_label(self) -> str:
        return count_label(self.total)


@dataclass
class Inbox:
    sections: dict[str, Section] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return all(section.total == 0 for section in self.sections.values())

    @property
    def client_ids(self) -> set[int]:
        """The clients the listed items belong to (each row's first entity carries it)."""
        return {row[0].client_id for section in self.sections.values() for row in section.items}


def _section(query: Select) -> Section:
    items = db.session.execute(query.limit(LIMIT)).all()
    total = db.session.scalar(capped_count(query))
    return Section(items, total)


def versions_to_decide(user: User) -> Select:
    """The newest versions of the drafts ``user`` may see that wait for their decision under
    the draft's approval rule (see ``awaits_decision_by``), each with its draft."""
    return (
        access.visible_versions(user)
        .add_columns(Draft)
        .join(Draft, Draft.id == Version.draft_id)
        .where(is_newest_version(), awaits_decision_by(user))
        .order_by(Version.created_at)
    )


def _unread_condition(user: User):
    """Comments by others that ``user`` has not read, by their subscription's read mark."""
    read_up_to = (
        select(Subscription.last_read_comment_id)
        .where(Subscription.thread_id == Comment.thread_id, Subscription.user_id == user.id)
        .scalar_subquery()
    )
    return and_(
        Comment.author_id != user.id,
        Comment.deleted_at.is_(None),
        Comment.id > func.coalesce(read_up_to, 0),
    )


def questions_for(user: User) -> Select:
    """Unread comments that mention ``user``, oldest first, with their threads."""
    return (
        access.visible_comments(user)
        .join(Mention, Mention.comment_id == Comment.id)
        .options(joinedload(Comment.author), joinedload(Comment.thread))
        .where(Mention.user_id == user.id, ~Mention.read, _unread_condition(user))
        .order_by(Comment.id)
    )


def client_comments_waiting(user: User) -> Select:
    """Client comments no staff member has answered, on clients ``user`` serves, oldest first."""
    return (
        access.visible_comments(user)
        .where(Comment.awaiting_answer)
        .options(joinedload(Comment.author), joinedload(Comment.thread))
        .order_by(Comment.created_at, Comment.id)
    )


def unread_threads(user: User) -> Select:
    """Threads ``user`` follows (not muted) with comments by others they haven't read."""
    unread = (
        select(func.count(Comment.id))
        .where(
            Comment.thread_id == Thread.id,
            Comment.author_id != user.id,
            Comment.deleted_at.is_(None),
            Comment.id > Subscription.last_read_comment_id,
            access.comment_readable_by(user),
        )
        .correlate(Thread, Subscription)
        .scalar_subquery()
    )
    return (
        access.visible_threads(user)
        .add_columns(unread.label("unread"))
        .join(Subscription, Subscription.thread_id == Thread.id)
        .where(
            Subscription.user_id == user.id,
            Subscription.unread,
            Subscription.level != FollowLevel.MUTED,
            unread > 0,
        )
        .order_by(Thread.last_comment_at.desc())
    )


def drafts_to_revise(user: User) -> list[tuple[Draft, object]]:
    """Drafts ``user`` makes on which the client asked for changes."""
    drafts = db.session.scalars(
        access.visible_drafts(user)
        .where(
            Draft.maker_id == user.id,
            # Per draft of theirs, not a list of every change ever requested of anyone.
            exists().where(
                Decision.draft_id == Draft.id,
                Decision.verdict == Verdict.CHANGES_REQUESTED,
                Decision.superseded_at.is_(None),
            ),
        )
        .order_by(Draft.id)
        .limit(LIMIT)
    ).all()
    states = draft_states(drafts)
    return [
        (d, states[d.id]) for d in drafts if states[d.id].status == DraftStatus.CHANGES_REQUESTED
    ]


def inbox_for(user: User) -> Inbox:
    """Everything waiting on ``user``, by section."""
    inbox = Inbox()
    if user.is_client:
        inbox.sections["decide"] = _section(versions_to_decide(user))
    else:
        inbox.sections["waiting"] = _section(client_comments_waiting(user))
        if access.can_see_overdue_reviews(user):
            inbox.sections["overdue"] = _section(overdue_reviews(user))
        revise = drafts_to_revise(user)
        inbox.sections["revise"] = Section(revise, len(revise))
    inbox.sections["questions"] = _section(questions_for(user))
    inbox.sections["unread"] = _section(unread_threads(user))
    return inbox
