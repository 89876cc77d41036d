"""Notices of the review itself: a new version ready for the client, a client's decision.

A new version concerns the draft's reviewers and the client users whose comments its
feedback checklist answers; a decision concerns the draft's maker and the account team.
Never the person who did it, and never anyone outside the draft's client and its team.
Each gets a ``ReviewNotice``, written in the same transaction. Those who want e-mail as it
happens get it with their comment notifications (``portal.notifications.services``), a
batching window later; everyone else reads it in their digest. Opening the draft's page
marks the person's notices on it seen, and a seen notice is neither e-mailed nor digested.

The e-mails and digests carry only what the recipient reads on the draft's page anyway: a
decision says who decided, for which client, and the note they gave (the client's own
words); a version, its "what changed" note and its feedback checklist, counted, with the
reason given for each client comment declined. Never a staff-only note.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import aliased

from portal import access
from portal.clients.services import client_slugs
from portal.drafts.reviewers import reviewer_ids
from portal.drafts.status import is_newest_version
from portal.extensions import db, write_while_reading
from portal.mail.reply_addresses import reply_placeholder
from portal.models import (
    Assignment,
    Client,
    Comment,
    Decision,
    Draft,
    EmailFrequency,
    FeedbackItem,
    FeedbackStatus,
    ReviewNotice,
    Thread,
    User,
    UserKind,
    Verdict,
    Version,
    attributed_name_of,
    utcnow,
)
from portal.threads.queries import discussion_of
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
    in_window = and_(
        ReviewNotice.seen_at.is_(None),
        ReviewNotice.created_at >= start,
        ReviewNotice.created_at < end,
        or_(ReviewNotice.decision_id.is_not(None), is_newest_version()),
    )
    return _items(user, in_window, limit=limit)


def _items(user: User, *conditions, limit: int) -> list[dict]:
    """The notices of ``user`` matching ``conditions`` on drafts they may see, as e-mail and
    digest items (title, who, text, when, link, and ``user``'s reply address for the draft's
    discussion), oldest first. A decision's ``who`` names the decider's client too: staff on
    several accounts hear of decisions from each."""
    decider = aliased(User)
    rows = db.session.execute(
        access.visible_drafts(user)
        .join(ReviewNotice, ReviewNotice.draft_id == Draft.id)
        .join(Version, Version.id == ReviewNotice.version_id)
        .join(User, User.id == Version.author_id)
        .outerjoin(Decision, Decision.id == ReviewNotice.decision_id)
        .outerjoin(decider, decider.id == Decision.user_id)
        .join(Client, Client.id == Draft.client_id)
        .outerjoin(Thread, discussion_of(Draft.id))
        .add_columns(
            ReviewNotice,
            Version,
            User.name,
            Decision,
            attributed_name_of(decider),
            Client.name,
            Thread.id,
        )
        .where(ReviewNotice.user_id == user.id, *conditions)
        .order_by(ReviewNotice.id)
        .limit(limit)
    ).all()
    if not rows:
        return []
    slugs = client_slugs({draft.client_id for draft, *_ in rows})
    feedback = _feedback(
        [version.id for _d, notice, version, *_ in rows if notice.decision_id is None]
    )
    items = []
    for draft, notice, version, author_name, decision, decider_name, client_name, thread_id in rows:
        link = public_url("drafts.show", slug=slugs[draft.client_id], draft_id=draft.id)
        item = {
            "title": f"{draft.title}, version {version.number}",
            "when": notice.created_at,
            "link": link,
            "ready_version_id": None,
            "reply_address": discussion_reply_address(user, thread_id),
        }
        if decision is None:
            item.update(
                kind="version",
                who=author_name,
                text=_version_text(version, feedback.get(version.id, Feedback())),
                ready_version_id=version.id,
                # When the decision is due, shown on the recipient's clock.
                due_at=draft.review_due_at,
            )
        else:
            item.update(
                kind="decision",
                who=f"{decider_name} of {client_name}",
                verdict=decision.verdict,
                text=_decision_text(decision),
            )
        items.append(item)
    return items


def discussion_reply_address(user: User, thread_id: int | None) -> str | None:
    """The reply-address placeholder of ``user`` for a draft's discussion ``thread_id``: a
    reply to news of the review is a comment on the draft. None for a draft without one."""
    return reply_placeholder(user.id, thread_id) if thread_id else None


@dataclass
class Feedback:
    """What a version did with the client's comments on the one before: how many it
    addressed, declined or left open, and each decline with the comment and the reason."""

    counts: dict[str, int] = field(default_factory=dict)
    declined: list[tuple[str, str]] = field(default_factory=list)


def _feedback(version_ids: list[int]) -> dict[int, Feedback]:
    """Each version's feedback checklist (``Feedback``), from one query."""
    if not version_ids:
        return {}
    feedback: dict[int, Feedback] = {}
    rows = db.session.execute(
        select(FeedbackItem.version_id, FeedbackItem.status, FeedbackItem.reason, Comment.body)
        .join(Comment, Comment.id == FeedbackItem.comment_id)
        .where(FeedbackItem.version_id.in_(version_ids))
        .order_by(FeedbackItem.comment_id)
    )
    for version_id, status, reason, comment in rows:
        checklist = feedback.setdefault(version_id, Feedback())
        checklist.counts[status] = checklist.counts.get(status, 0) + 1
        if status == FeedbackStatus.DECLINED:
            checklist.declined.append((comment, reason))
    return feedback


def _version_text(version: Version, feedback: Feedback) -> str:
    text = f"Version {version.number} is ready for your review."
    done = [
        f"{feedback.counts[status]} {FeedbackStatus(status).label.lower()}"
        for status in FeedbackStatus
        if feedback.counts.get(status)
    ]
    if done:
        text += " What we did with your feedback: " + ", ".join(done) + "."
    for comment, reason in feedback.declined:
        text += f" Declined “{_excerpt(comment)}”: {reason}"
    if version.note:
        text += f" What changed: {version.note}"
    return text


def _excerpt(comment: str, length: int = 80) -> str:
    words = " ".join(comment.split())
    return words if len(words) <= length else words[: length - 1] + "…"


def _decision_text(decision: Decision) -> str:
    if decision.verdict == Verdict.APPROVED:
        return "Approved." + (f" {decision.note}" if decision.note else "")
    return f"Changes requested: {decision.note}"
