"""What happened on every live client in the 30 days up to ``now``, gathered set-based.

``gather_facts`` issues the same dozen queries whether there are three clients or three
hundred, and nothing after ``now`` counts, so history can be recomputed for any past day.
The signals are computed from these facts in plain Python (``portal.health.signals``).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import NamedTuple

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.health.tone import keep_tones, tone_of
from portal.models import (
    Client,
    Comment,
    Decision,
    Draft,
    Invitation,
    Mention,
    Pulse,
    Thread,
    ThreadParticipant,
    User,
    UserKind,
    Verdict,
    Version,
)
from portal.reminders.services import open_review_deadlines
from portal.threads.queries import discussion_of
from portal.urls import ThreadRef

WINDOW = timedelta(days=30)


class RecentComment(NamedTuple):
    """A client comment of the window, as the reply and tone measures read it: one of
    hundreds of thousands, so a plain tuple."""

    created_at: datetime
    # The first client-visible staff answer to it, if made by ``now``.
    reply_at: datetime | None
    reply_author_id: int | None
    reply_author_role: str | None
    tone: float  # portal.health.tone: scored for the comments of the window
    # Who the comment was addressed to: the draft's maker, mentions, a conversation's people.
    addressed: frozenset[int]


@dataclass
class WaitingComment:
    """A client comment unanswered and unresolved at ``now``, of the window or older."""

    id: int
    thread: ThreadRef
    author_name: str
    created_at: datetime


@dataclass
class VersionWait:
    """A version shown for review and when the client first decided on it (by ``now``)."""

    id: int
    draft_id: int
    draft_title: str
    number: int
    created_at: datetime
    decided_at: datetime | None
    is_latest: bool
    due_date: date | None


@dataclass
class ClientFacts:
    """Everything the signals of one client are computed from."""

    client: Client
    recent_comments: list[RecentComment] = field(default_factory=list)
    waiting_comments: list[WaitingComment] = field(default_factory=list)  # oldest first
    people: int = 0
    active_people: int = 0
    last_action_at: datetime | None = None
    versions: list[VersionWait] = field(default_factory=list)
    decisions_in_window: int = 0
    changes_requested_in_window: int = 0
    approved_drafts: list[tuple[int, int]] = field(default_factory=list)  # (draft, versions)
    # Drafts due by ``now``: (draft id, title, due date, day approved or None).
    due_drafts: list[tuple[int, str, date, date | None]] = field(default_factory=list)
    # Open reviews with a decision due time: (draft id, title, version number, due time,
    # reviewers yet to decide), soonest due first.
    review_deadlines: list[tuple[int, str, int, datetime, int]] = field(default_factory=list)
    pulse: Pulse | None = None


@dataclass
class AgencyFacts:
    """Every live client's facts, and the agency-wide baselines they are compared with."""

    now: datetime
    clients: dict[int, ClientFacts]
    # Every live client, whom the baselines are taken over, when ``clients`` is only some.
    peers: dict[int, ClientFacts] | None = None

    @property
    def _baseline_clients(self) -> list[ClientFacts]:
        return list((self.clients if self.peers is None else self.peers).values())

    # Read once per client assessed: worked out once, after the facts are gathered.
    @cached_property
    def baseline_versions_per_approval(self) -> float | None:
        counts = [n for f in self._baseline_clients for _draft, n in f.approved_drafts]
        return sum(counts) / len(counts) if counts else None

    @cached_property
    def baseline_changes_share(self) -> float | None:
        decisions = sum(f.decisions_in_window for f in self._baseline_clients)
        changes = sum(f.changes_requested_in_window for f in self._baseline_clients)
        return changes / decisions if decisions else None


def gather_facts(now: datetime, client_ids: list[int] | None = None) -> AgencyFacts:
    """The facts of every live client (or of ``client_ids``) for the 30 days up to ``now``.

    The baselines always cover every live client: one client recomputed on demand is
    compared with the whole agency, as in the nightly run, not with itself. Only the
    decisions, which the baselines come from, are read for everyone then.
    """
    query = select(Client).where(
        Client.created_at <= now, or_(Client.archived_at.is_(None), Client.archived_at > now)
    )
    clients = {c.id: ClientFacts(c) for c in db.session.scalars(query.order_by(Client.id))}
    everyone = AgencyFacts(now, clients)
    ids = list(clients) if client_ids is None else [i for i in client_ids if i in clients]
    if clients:
        _add_decisions(everyone, list(clients))
    if ids:
        _add_recent_comments(everyone, ids)
        _add_waiting_comments(everyone, ids)
        _add_people(everyone, ids)
        _add_versions(everyone, ids)
        _add_review_deadlines(everyone, ids)
        _add_pulses(everyone, ids)
    if client_ids is None:
        return everyone
    return AgencyFacts(now, {i: clients[i] for i in ids}, peers=clients)


def _client_comments(ids: list[int], now: datetime):
    """The condition of the comments the clients ``ids`` had made by ``now``, not deleted."""
    return and_(
        Comment.client_id.in_(ids),
        Comment.from_client,
        Comment.deleted_at.is_(None),
        Comment.created_at <= now,
    )


def _answered_by(answer, now: datetime):
    """Join ``answer`` to a client comment's first staff answer, if made by ``now``: the one
    ``portal.threads.answers`` keeps (answers come in id order, so the first answer of all
    is the first by any moment it had been made)."""
    return and_(answer.id == Comment.answered_by_id, answer.created_at <= now)


def _add_recent_comments(facts: AgencyFacts, ids: list[int]) -> None:
    """The clients' comments of the window, each with its answer, tone and addressees. Only
    the columns the measures read: the window holds most of the rows a health run reads."""
    now = facts.now
    reply, replier = aliased(Comment), aliased(User)
    in_window = and_(_client_comments(ids, now), Comment.created_at >= now - WINDOW)
    rows = db.session.execute(
        select(
            Comment.client_id,
            Comment.id,
            Comment.thread_id,
            Comment.created_at,
            Comment.tone,
            # The body only where the tone is still to score: of comments not read before.
            case((Comment.tone.is_(None), Comment.body)).label("unscored_body"),
            reply.created_at.label("reply_at"),
            reply.author_id.label("reply_author_id"),
            replier.role.label("reply_role"),
        )
        .outerjoin(reply, _answered_by(reply, now))
        .outerjoin(replier, replier.id == reply.author_id)
        .where(in_window)
    ).all()
    mentioned = _staff_mentioned(select(Comment.id).where(in_window).subquery())
    addressees = _thread_addressees(ids)
    scored = {row.id: tone_of(row.unscored_body) for row in rows if row.unscored_body is not None}
    keep_tones(scored)
    nobody = frozenset()
    for row in rows:
        addressed = addressees.get(row.thread_id, nobody)
        if row.id in mentioned:
            addressed = addressed | mentioned[row.id]
        facts.clients[row.client_id].recent_comments.append(
            RecentComment(
                row.created_at,
                row.reply_at,
                row.reply_author_id,
                row.reply_role,
                scored.get(row.id, row.tone),
                addressed,
            )
        )


def _staff_mentioned(comments) -> dict[int, frozenset[int]]:
    """The staff each of ``comments`` (a subquery of ids) mentioned, by comment id."""
    mentions = defaultdict(set)
    for comment_id, user_id in db.session.execute(
        # Only staff are asked: a client mentioning a colleague addresses nobody at the agency.
        select(Mention.comment_id, Mention.user_id)
        .join(comments, comments.c.id == Mention.comment_id)
        .join(User, User.id == Mention.user_id)
        .where(User.kind == UserKind.STAFF)
    ):
        mentions[comment_id].add(user_id)
    return {comment_id: frozenset(people) for comment_id, people in mentions.items()}


def _thread_addressees(ids: list[int]) -> dict[int, frozenset[int]]:
    """Whom each thread of the clients ``ids`` is addressed to, by thread id: a draft's
    maker, a conversation's participants. Shared by every comment of the thread."""
    addressees = defaultdict(set)
    for thread_id, user_id in db.session.execute(
        select(ThreadParticipant.thread_id, ThreadParticipant.user_id)
        .join(Thread, Thread.id == ThreadParticipant.thread_id)
        .where(Thread.client_id.in_(ids))
        .union_all(
            select(Thread.id, Draft.maker_id)
            .join(Draft, discussion_of(Draft.id))
            .where(Thread.client_id.in_(ids), Draft.maker_id.is_not(None))
        )
    ):
        addressees[thread_id].add(user_id)
    return {thread_id: frozenset(people) for thread_id, people in addressees.items()}


def _answered_by_then(now: datetime):
    """Whether a client comment had its first staff answer by ``now``: a condition on the
    comment alone (not an outer join), so authors and threads are looked up only for the
    few that wait. When no comment at all is newer than ``now``, as in a run at the present,
    every kept answer was made by then: the check, once per run, spares looking up the
    answer of every comment the clients ever made."""
    answer, later = aliased(Comment), aliased(Comment)
    nothing_later = ~select(later.id).where(later.created_at > now).exists()
    answer_by_then = select(answer.id).where(_answered_by(answer, now)).exists()
    return and_(Comment.answered_by_id.is_not(None), or_(nothing_later, answer_by_then))


def _add_waiting_comments(facts: AgencyFacts, ids: list[int]) -> None:
    """The clients' comments unanswered and unresolved at ``now``, however old, oldest first."""
    now = facts.now
    rows = db.session.execute(
        select(
            Comment.id,
            Comment.client_id,
            Comment.thread_id,
            Thread.kind,
            Thread.draft_id,
            User.name,
            Comment.created_at,
        )
        .join(User, User.id == Comment.author_id)
        .join(Thread, Thread.id == Comment.thread_id)
        .where(
            _client_comments(ids, now),
            or_(Comment.resolved_at.is_(None), Comment.resolved_at > now),
            ~_answered_by_then(now),
        )
        .order_by(Comment.created_at, Comment.id)
    )
    threads = {}
    for comment_id, client_id, thread_id, kind, draft_id, author_name, created_at in rows:
        thread = threads.get(thread_id)
        if thread is None:
            thread = threads[thread_id] = ThreadRef(thread_id, kind, draft_id)
        facts.clients[client_id].waiting_comments.append(
            WaitingComment(comment_id, thread, author_name, created_at)
        )


def _add_people(facts: AgencyFacts, ids: list[int]) -> None:
    now, start = facts.now, facts.now - WINDOW
    for client_id, people in db.session.execute(
        select(User.client_id, func.count(User.id))
        .where(User.client_id.in_(ids), User.active.is_(True), User.created_at <= now)
        .group_by(User.client_id)
    ):
        facts.clients[client_id].people += people
    for client_id, pending in db.session.execute(
        select(Invitation.client_id, func.count(Invitation.id))
        .where(
            Invitation.client_id.in_(ids),
            Invitation.created_at <= now,
            Invitation.expires_at > now,
            or_(Invitation.accepted_at.is_(None), Invitation.accepted_at > now),
            or_(Invitation.revoked_at.is_(None), Invitation.revoked_at > now),
        )
        .group_by(Invitation.client_id)
    ):
        facts.clients[client_id].people += pending
    # A client action is a comment or a decision by one of the client's own people.
    actions = (
        select(Comment.client_id, Comment.author_id.label("person"), Comment.created_at.label("at"))
        .where(Comment.client_id.in_(ids), Comment.from_client, Comment.created_at <= now)
        .union_all(
            select(Draft.client_id, Decision.user_id, Decision.created_at)
            .join(Draft, Draft.id == Decision.draft_id)
            .where(Draft.client_id.in_(ids), Decision.created_at <= now)
        )
        .subquery()
    )
    for client_id, last_at, active in db.session.execute(
        select(
            actions.c.client_id,
            func.max(actions.c.at),
            func.count(func.distinct(actions.c.person)).filter(actions.c.at >= start),
        ).group_by(actions.c.client_id)
    ):
        facts.clients[client_id].last_action_at = _aware(last_at)
        facts.clients[client_id].active_people = active


def _add_versions(facts: AgencyFacts, ids: list[int]) -> None:
    now, start = facts.now, facts.now - WINDOW
    newer = aliased(Version)
    first_decision = (
        select(func.min(Decision.created_at))
        .where(Decision.version_id == Version.id, Decision.created_at <= now)
        .correlate(Version)
        .scalar_subquery()
    )
    is_latest = ~(
        select(newer.id)
        .where(
            newer.draft_id == Version.draft_id,
            newer.number > Version.number,
            newer.created_at <= now,
        )
        .correlate(Version)
        .exists()
    )
    rows = db.session.execute(
        select(
            Version.id,
            Version.client_id,
            Version.draft_id,
            Draft.title,
            Version.number,
            Version.created_at,
            first_decision,
            is_latest,
            Draft.due_date,
        )
        .join(Draft, Draft.id == Version.draft_id)
        .where(
            Version.client_id.in_(ids),
            Version.created_at <= now,
            or_(Version.created_at >= start, and_(is_latest, first_decision.is_(None))),
        )
        .order_by(Version.id)
    )
    for version_id, client_id, draft_id, title, number, created_at, decided, latest, due in rows:
        facts.clients[client_id].versions.append(
            VersionWait(
                version_id, draft_id, title, number, created_at, _aware(decided), latest, due
            )
        )


def _add_decisions(facts: AgencyFacts, ids: list[int]) -> None:
    now, start = facts.now, facts.now - WINDOW
    for client_id, decisions, changes in db.session.execute(
        select(
            Draft.client_id,
            func.count(Decision.id),
            func.count(Decision.id).filter(Decision.verdict == Verdict.CHANGES_REQUESTED),
        )
        .join(Draft, Draft.id == Decision.draft_id)
        .where(Draft.client_id.in_(ids), Decision.created_at.between(start, now))
        .group_by(Draft.client_id)
    ):
        facts.clients[client_id].decisions_in_window = decisions
        facts.clients[client_id].changes_requested_in_window = changes
    approvals = (
        select(Decision.draft_id, func.min(Decision.created_at).label("approved_at"))
        .where(Decision.verdict == Verdict.APPROVED, Decision.created_at <= now)
        .group_by(Decision.draft_id)
        .subquery()
    )
    versions_by_then = (
        select(func.count(Version.id))
        .where(Version.draft_id == Draft.id, Version.created_at <= approvals.c.approved_at)
        .correlate(Draft, approvals)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Draft.client_id,
            Draft.id,
            Draft.title,
            Draft.due_date,
            approvals.c.approved_at,
            versions_by_then,
        )
        .outerjoin(approvals, approvals.c.draft_id == Draft.id)
        .where(
            Draft.client_id.in_(ids),
            Draft.created_at <= now,
            or_(
                approvals.c.approved_at.between(start, now),
                and_(Draft.due_date.is_not(None), Draft.due_date >= (start.date())),
                and_(Draft.due_date.is_not(None), approvals.c.approved_at.is_(None)),
            ),
        )
    )
    for client_id, draft_id, title, due_date, approved_at, versions in rows:
        approved_at = _aware(approved_at)
        client_facts = facts.clients[client_id]
        if approved_at is not None and approved_at >= start:
            client_facts.approved_drafts.append((draft_id, versions))
        # A day's margin: the signals compare due dates with the agency's own calendar day.
        if due_date is not None and due_date <= now.date() + timedelta(days=1):
            approved_on = approved_at.date() if approved_at else None
            client_facts.due_drafts.append((draft_id, title, due_date, approved_on))


def _add_review_deadlines(facts: AgencyFacts, ids: list[int]) -> None:
    """The open reviews with a due time of each client, in one query."""
    for client_id, reviews in open_review_deadlines(ids).items():
        facts.clients[client_id].review_deadlines = sorted(reviews, key=lambda r: (r[3], r[0]))


def _add_pulses(facts: AgencyFacts, ids: list[int]) -> None:
    latest = (
        select(Pulse.client_id, func.max(Pulse.id).label("id"))
        .where(Pulse.client_id.in_(ids), Pulse.created_at <= facts.now)
        .group_by(Pulse.client_id)
        .subquery()
    )
    for pulse in db.session.scalars(select(Pulse).join(latest, latest.c.id == Pulse.id)):
        facts.clients[pulse.client_id].pulse = pulse


def _aware(moment: datetime | str | None) -> datetime | None:
    """Aggregates over a union can lose the column type on SQLite: read them back as UTC."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
