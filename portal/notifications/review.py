"""Notices of the review itself: a new version ready for the client, a client's decision.

A new version concerns the draft's reviewers and the client users whose comments its
feedback checklist answers; a decision concerns the draft's maker and the account team.
Never the person who did it, and never anyone outside the draft's client and its team.
Each gets a ``ReviewNotice``, written in the same transaction. Those who want e-mail as it
happens get it with their comment notifications (``portal.notifications.services``), a
batching window later; everyone else reads it in their digest. Opening the draft's page
marks the person's notices on it seen, and a seen notice is neither e-mailed nor digested.

The e-mails and digests carry no comment at all: the decision's note is the client's own
words, the version's "what changed" note is shown to the client on the draft's page, and
the checklist is given as counts.
"""

from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from portal import access
from portal.clients.services import client_slugs
from portal.drafts.reviewers import reviewer_ids
from portal.extensions import db, write_while_reading
from portal.models import (
    Assignment,
    Comment,
    Decision,
    Draft,
    EmailFrequency,
    FeedbackItem,
    FeedbackStatus,
    ReviewNotice,
    User,
    UserKind,
    Verdict,
    Version,
    utcnow,
)
from portal.urls import public_url
from portal.view_as.mode import reads_leave_marks

MAX_NOTICES = 50
PENDING = and_(ReviewNotice.handled_at.is_(None), ReviewNotice.seen_at.is_(None))


def give_version_notices(version: Version) -> list[int]:
    """Notices of ``version`` for the draft's reviewers and the clients whose comments its
    checklist answers; the ids of those to e-mail as it happens."""
    commenters = select(Comment.author_id).join(FeedbackItem, FeedbackItem.comment_id == Comment.id)
    people = {
        *reviewer_ids(version.draft_id),
        *db.session.scalars(commenters.where(FeedbackItem.version_id == version.id)),
    }
    draft = db.session.get(Draft, version.draft_id)
    clients_of_draft = and_(User.kind == UserKind.CLIENT, User.client_id == draft.client_id)
    return _give_notices(people - {version.author_id}, clients_of_draft, version, None)


def give_decision_notices(decision: Decision) -> list[int]:
    """Notices of ``decision`` for the draft's maker and the account team; the ids of those
    to e-mail as it happens."""
    draft = db.session.get(Draft, decision.draft_id)
    team = select(Assignment.user_id).where(Assignment.client_id == draft.client_id)
    people = {draft.maker_id, *db.session.scalars(team)}
    version = db.session.get(Version, decision.version_id)
    staff = User.kind == UserKind.STAFF
    return _give_notices(people - {decision.user_id}, staff, version, decision)


def _give_notices(user_ids, who, version: Version, decision: Decision | None) -> list[int]:
    """A notice for each active person of ``user_ids`` matching ``who``; the ids of those who
    want e-mail as it happens. The others' notices are settled at once: a digest is theirs."""
    people = db.session.execute(
        select(User.id, User.email_frequency).where(User.id.in_(user_ids), User.active, who)
    ).all()
    now = utcnow()
    # Rows, not a bulk insert, so that the demo's clock can date them as it dates the rest.
    db.session.add_all(
        ReviewNotice(
            user_id=user_id,
            draft_id=version.draft_id,
            version_id=version.id,
            decision_id=decision.id if decision else None,
            created_at=now,
            handled_at=None if frequency == EmailFrequency.IMMEDIATE else now,
        )
        for user_id, frequency in people
    )
    return sorted(user_id for user_id, frequency in people if frequency == EmailFrequency.IMMEDIATE)


def mark_review_seen(user: User, draft: Draft, now: datetime | None = None) -> None:
    """``user`` has opened ``draft``'s page: every notice of theirs on it is seen. Looked
    for first, so that a page view writes (and, on SQLite, takes the write lock) only when
    there is something to mark; the mark is a write made while reading (a GET). Staff viewing
    as ``user`` leave none."""
    if not reads_leave_marks():
        return
    unseen = (
        ReviewNotice.user_id == user.id,
        ReviewNotice.draft_id == draft.id,
        ReviewNotice.seen_at.is_(None),
    )
    if db.session.scalar(select(ReviewNotice.id).where(*unseen).limit(1)) is not None:
        with write_while_reading() as writer:
            writer.execute(update(ReviewNotice).where(*unseen).values(seen_at=now or utcnow()))


def review_items_due(user: User, cutoff: datetime) -> tuple[list[int], list[dict]]:
    """What ``user``, on e-mail as it happens, is owed by e-mail: the ids of their notices
    made by ``cutoff`` and neither e-mailed nor seen, and the items of those on drafts they
    may still see (a decision since changed is left out: the newer one says it)."""
    if user.email_frequency != EmailFrequency.IMMEDIATE:
        return [], []
    due = select(ReviewNotice.id).where(
        ReviewNotice.user_id == user.id, PENDING, ReviewNotice.created_at <= cutoff
    )
    notice_ids = db.session.scalars(due.order_by(ReviewNotice.id).limit(MAX_NOTICES)).all()
    if not notice_ids:
        return [], []
    items = _items(
        user, ReviewNotice.id.in_(notice_ids), Decision.superseded_at.is_(None), limit=MAX_NOTICES
    )
    return notice_ids, items


def mark_handled(notice_ids: list[int], now: datetime) -> None:
    """The notices ``notice_ids`` have had their e-mail (or needed none)."""
    db.session.execute(
        update(ReviewNotice)
        .where(ReviewNotice.id.in_(notice_ids), ReviewNotice.handled_at.is_(None))
        .values(handled_at=now)
    )


def people_with_review_email_due(cutoff: datetime):
    """A select of the ids of the people who want e-mail as it happens and have a notice
    made by ``cutoff`` that is neither e-mailed nor seen."""
    return (
        select(ReviewNotice.user_id)
        .join(User, User.id == ReviewNotice.user_id)
        .where(
            PENDING,
            ReviewNotice.created_at <= cutoff,
            User.active.is_(True),
            User.email_frequency == EmailFrequency.IMMEDIATE,
        )
    )


def review_digest_items(user: User, start: datetime, end: datetime, limit: int) -> list[dict]:
    """Digest items for ``user``'s notices of [start, end) not seen, oldest first: a line per
    new version (unless a newer one has come since) or decision."""
    later = aliased(Version)
    superseded = exists().where(later.draft_id == Version.draft_id, later.number > Version.number)
    in_window = and_(
        ReviewNotice.seen_at.is_(None),
        ReviewNotice.created_at >= start,
        ReviewNotice.created_at < end,
        or_(ReviewNotice.decision_id.is_not(None), ~superseded),
    )
    return _items(user, in_window, limit=limit)


def _items(user: User, *conditions, limit: int) -> list[dict]:
    """The notices of ``user`` matching ``conditions`` on drafts they may see, as e-mail and
    digest items (title, who, text, when, link), oldest first."""
    decider = aliased(User)
    rows = db.session.execute(
        access.visible_drafts(user)
        .join(ReviewNotice, ReviewNotice.draft_id == Draft.id)
        .join(Version, Version.id == ReviewNotice.version_id)
        .join(User, User.id == Version.author_id)
        .outerjoin(Decision, Decision.id == ReviewNotice.decision_id)
        .outerjoin(decider, decider.id == Decision.user_id)
        .add_columns(ReviewNotice, Version, User.name, Decision, decider.name)
        .where(ReviewNotice.user_id == user.id, *conditions)
        .order_by(ReviewNotice.id)
        .limit(limit)
    ).all()
    if not rows:
        return []
    slugs = client_slugs({draft.client_id for draft, *_ in rows})
    feedback = _feedback_counts(
        [version.id for _d, notice, version, *_ in rows if notice.decision_id is None]
    )
    items = []
    for draft, notice, version, author_name, decision, decider_name in rows:
        link = public_url("drafts.show", slug=slugs[draft.client_id], draft_id=draft.id)
        item = {
            "title": f"{draft.title}, version {version.number}",
            "when": notice.created_at,
            "link": link,
            "ready_version_id": None,
        }
        if decision is None:
            item.update(
                kind="version",
                who=author_name,
                text=_version_text(version, feedback.get(version.id, {})),
                ready_version_id=version.id,
            )
        else:
            item.update(kind="decision", who=decider_name, text=_decision_text(decision))
        items.append(item)
    return items


def _feedback_counts(version_ids: list[int]) -> dict[int, dict[str, int]]:
    """For each version, how many of the client's comments it addressed, declined or left
    open (its feedback checklist, counted)."""
    if not version_ids:
        return {}
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(FeedbackItem.version_id, FeedbackItem.status, func.count())
        .where(FeedbackItem.version_id.in_(version_ids))
        .group_by(FeedbackItem.version_id, FeedbackItem.status)
    )
    for version_id, status, count in rows:
        counts.setdefault(version_id, {})[status] = count
    return counts


def _version_text(version: Version, feedback: dict[str, int]) -> str:
    text = f"Version {version.number} is ready for your review."
    done = [
        f"{feedback[status]} {FeedbackStatus(status).label.lower()}"
        for status in FeedbackStatus
        if feedback.get(status)
    ]
    if done:
        text += " What we did with your feedback: " + ", ".join(done) + "."
    if version.note:
        text += f" What changed: {version.note}"
    return text


def _decision_text(decision: Decision) -> str:
    if decision.verdict == Verdict.APPROVED:
        return "Approved." + (f" {decision.note}" if decision.note else "")
    return f"Changes requested: {decision.note}"
