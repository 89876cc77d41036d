"""Reminders of reviews due: who is owed one and when, sending them once, and nudges.

Who is owed a reminder is one query over the open reviews with a due date near: each
reviewer who still owes a decision on a draft's newest version (by the draft's rule), of a
live client and project, with their clock. On the reviewer's own calendar the due day gives
the kind: the day before, the day itself, then ``OVERDUE_DAYS`` days overdue. A reminder
falls due at the reviewer's digest hour, outside their quiet hours, never on the day the
version reached them (its own notice said so), and never to someone with e-mail off. What
is due for a person goes out as one e-mail, after each reminder is claimed in the ledger
(``ReviewReminder``): a re-run finds the claims and sends nothing twice.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.exc import IntegrityError

from portal import access
from portal.clients.services import client_slugs
from portal.drafts.status import awaits_decision_of, is_newest_version
from portal.errors import Conflict, InvalidInput
from portal.events import record_event
from portal.extensions import db
from portal.jobs import batched, each_in_its_own_transaction, enqueue
from portal.mail.outbox import queue_email
from portal.models import (
    Client,
    Draft,
    DraftReviewer,
    EmailFrequency,
    Project,
    ReminderKind,
    ReviewReminder,
    User,
    Version,
    utcnow,
)
from portal.notifications.preferences import in_quiet_hours, local_time, unsubscribe_url
from portal.urls import public_url

# Overdue reminders go on this many days after the due day, one a day, then stop.
OVERDUE_DAYS = 2
NUDGE_INTERVAL = timedelta(hours=24)


def open_reviews():
    """A select of (reviewer id, draft, newest version id) for each active reviewer who owes
    a decision on a draft's newest version, by the draft's rule, of a live client and project;
    callers add their conditions (on ``Draft``, ``Version``, ``DraftReviewer``, ``User``)."""
    return (
        select(DraftReviewer.user_id, Draft, Version.id)
        .select_from(Draft)
        .join(Version, Version.draft_id == Draft.id)
        .join(DraftReviewer, DraftReviewer.draft_id == Draft.id)
        .join(User, User.id == DraftReviewer.user_id)
        .join(Client, Client.id == Draft.client_id)
        .join(Project, Project.id == Draft.project_id)
        .where(
            is_newest_version(),
            User.active,
            Client.archived_at.is_(None),
            Project.archived_at.is_(None),
            awaits_decision_of(DraftReviewer.user_id),
        )
    )


def awaited_reviewer() -> ColumnElement[bool]:
    """A condition on a query of a draft's newest ``Version`` joined to its ``Draft``: an
    active reviewer still owes a decision on it, for lists of reviews that wait."""
    return exists().where(
        DraftReviewer.draft_id == Draft.id,
        User.id == DraftReviewer.user_id,
        User.active,
        awaits_decision_of(DraftReviewer.user_id),
    )


@dataclass(frozen=True)
class Owed:
    """A reminder someone is owed now."""

    user_id: int
    draft_id: int
    version_id: int
    kind: str
    local_day: date
    due_at: datetime


def reminder_kind(local_day: date, due_day: date) -> str | None:
    """Which reminder falls on ``local_day`` for a review due on ``due_day`` (both on the
    reviewer's calendar), if any."""
    late = (local_day - due_day).days
    if late == -1:
        return ReminderKind.DAY_BEFORE
    if late == 0:
        return ReminderKind.DUE_TODAY
    if 1 <= late <= OVERDUE_DAYS:
        return ReminderKind.OVERDUE
    return None


def reminders_owed(now: datetime, user_id: int | None = None) -> list[Owed]:
    """Every reminder owed at ``now`` and not yet sent (only ``user_id``'s, if given): two
    queries, the open reviews due near with their reviewers, then the claims on them."""
    # A due time up to a day either side of now may be tomorrow or yesterday on some clock.
    near = Draft.review_due_at.between(
        now - timedelta(days=OVERDUE_DAYS + 2), now + timedelta(days=2)
    )
    query = (
        open_reviews()
        .add_columns(User, Version.created_at)
        .where(near, User.email_frequency != EmailFrequency.OFF)
        .order_by(DraftReviewer.user_id, Draft.review_due_at, Draft.id)
    )
    if user_id is not None:
        query = query.where(DraftReviewer.user_id == user_id)
    owed = []
    for reviewer_id, draft, version_id, reviewer, version_made in db.session.execute(query):
        local_now = local_time(reviewer, now)
        local_day = local_now.date()
        kind = reminder_kind(local_day, local_time(reviewer, draft.review_due_at).date())
        if (
            kind is None
            or local_now.hour < reviewer.digest_hour
            or in_quiet_hours(reviewer, now)
            or local_time(reviewer, version_made).date() == local_day
        ):
            continue
        owed.append(Owed(reviewer_id, draft.id, version_id, kind, local_day, draft.review_due_at))
    if not owed:
        return []
    claimed = set(
        db.session.execute(
            select(
                ReviewReminder.version_id,
                ReviewReminder.user_id,
                ReviewReminder.kind,
                ReviewReminder.local_day,
            ).where(ReviewReminder.version_id.in_(sorted({o.version_id for o in owed})))
        ).all()
    )
    return [o for o in owed if (o.version_id, o.user_id, o.kind, o.local_day) not in claimed]


def sweep_review_reminders(now: datetime | None = None) -> int:
    """The periodic job: enqueue the reminders of everyone owed one now; returns how many
    people. Idempotent: ``send_review_reminders`` claims each before it sends."""
    now = now or utcnow()
    people = sorted({owed.user_id for owed in reminders_owed(now)})
    for user_id in people:
        enqueue(send_review_reminders, (user_id, now.isoformat()))
    return len(people)


@batched
def send_review_reminders(*people: tuple[int, str]) -> None:
    """Send each person of ``people`` (user id, the sweep's time) the reminders owed to them,
    each committed on its own."""
    each_in_its_own_transaction(
        people,
        lambda person: send_reminders_to(person[0], datetime.fromisoformat(person[1])),
        "reminding",
    )


def send_reminders_to(user_id: int, now: datetime) -> None:
    """Claim the reminders owed to ``user_id`` at ``now`` and write their one e-mail; a
    claim already taken (a concurrent run) leaves the whole lot to that run."""
    user = db.session.get(User, user_id)
    owed = reminders_owed(now, user_id) if user is not None else []
    if not owed:
        return
    claims = [
        ReviewReminder(user_id=user_id, draft_id=o.draft_id, version_id=o.version_id,
                       kind=o.kind, local_day=o.local_day, due_at=o.due_at, created_at=now)
        for o in owed
    ]  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add_all(claims)
    except IntegrityError:
        return
    _email_reminders(user, claims, sender=None)


def _email_reminders(user: User, claims: list[ReviewReminder], sender: User | None) -> None:
    """One e-mail to ``user`` of ``claims``, on drafts they may still see."""
    items = reminder_items(user, claims)
    if not items:
        return
    message = queue_email(
        to=user.email,
        user=user,
        subject=_subject(items, sender),
        template="review_reminder",
        dedupe_key=f"reminder-{user.id}-{claims[0].id}",
        unsubscribe_url=unsubscribe_url(user),
        items=items,
        sender=sender,
    )
    for claim in claims:
        claim.email_message_id = message.id


def reminder_items(user: User, claims: list[ReviewReminder]) -> list[dict]:
    """The e-mail's items for ``claims``: each draft ``user`` may see, with its version, due
    time, kind and link, soonest due first."""
    by_draft = {claim.draft_id: claim for claim in claims}
    rows = db.session.execute(
        access.visible_drafts(user)
        .add_columns(Version.number)
        .join(Version, Version.draft_id == Draft.id)
        .where(Version.id.in_([claim.version_id for claim in claims]))
        .order_by(Draft.review_due_at, Draft.id)
    ).all()
    slugs = client_slugs({draft.client_id for draft, _number in rows})
    return [
        {
            "title": f"{draft.title}, version {number}",
            "kind": by_draft[draft.id].kind,
            "due_at": draft.review_due_at,
            "link": public_url("drafts.show", slug=slugs[draft.client_id], draft_id=draft.id),
        }
        for draft, number in rows
    ]


def _subject(items: list[dict], sender: User | None) -> str:
    if sender is not None:
        return f"{sender.name} asks for your decision on {items[0]['title']}"
    if len(items) > 1:
        return f"{len(items)} reviews are due or overdue"
    (item,) = items
    when = {
        ReminderKind.DAY_BEFORE: "is due tomorrow",
        ReminderKind.DUE_TODAY: "is due today",
        ReminderKind.OVERDUE: "is overdue",
    }[item["kind"]]
    return f"Reminder: your decision on {item['title']} {when}"


class AlreadyNudged(Conflict):
    """The reviewer was nudged about this draft less than a day ago (409)."""


def nudge_reviewer(actor: User, draft: Draft, reviewer: User, now: datetime | None = None):
    """Send ``reviewer`` one reminder of ``draft`` now, on behalf of ``actor`` (staff on the
    account), and log it for the team. At most once in ``NUDGE_INTERVAL`` per reviewer and
    draft: AlreadyNudged otherwise. Conflict when they owe no decision, have e-mail off or
    are in their quiet hours; InvalidInput when they don't review the draft."""
    now = now or utcnow()
    # Locked, so that two nudges at once are taken one after the other.
    is_reviewer = db.session.scalar(
        select(DraftReviewer.user_id)
        .where(DraftReviewer.draft_id == draft.id, DraftReviewer.user_id == reviewer.id)
        .with_for_update()
    )
    if is_reviewer is None or not reviewer.active:
        raise InvalidInput(f"{reviewer.name} doesn't review this draft.")
    version_id = db.session.scalar(
        open_reviews()
        .with_only_columns(Version.id)
        .where(Draft.id == draft.id, DraftReviewer.user_id == reviewer.id)
    )
    if version_id is None:
        raise Conflict(f"{reviewer.name} owes no decision on this draft now.")
    if reviewer.email_frequency == EmailFrequency.OFF:
        raise Conflict(f"{reviewer.name} has turned Portal e-mail off; ask them another way.")
    if in_quiet_hours(reviewer, now):
        raise Conflict(
            f"It is {local_time(reviewer, now):%H:%M} for {reviewer.name}, in their quiet "
            f"hours; nudge them after {reviewer.quiet_until:02d}:00 their time."
        )
    last = db.session.scalar(
        select(func.max(ReviewReminder.created_at)).where(
            ReviewReminder.draft_id == draft.id,
            ReviewReminder.user_id == reviewer.id,
            ReviewReminder.kind == ReminderKind.NUDGE,
        )
    )
    if last is not None and now - last < NUDGE_INTERVAL:
        again = local_time(actor, last + NUDGE_INTERVAL)
        raise AlreadyNudged(
            f"{reviewer.name} was reminded of this draft in the last day; "
            f"you can nudge them again after {again:%-d %b, %H:%M}."
        )
    claim = ReviewReminder(
        user_id=reviewer.id, draft_id=draft.id, version_id=version_id, kind=ReminderKind.NUDGE,
        local_day=local_time(reviewer, now).date(), due_at=draft.review_due_at,
        sent_by_id=actor.id, created_at=now,
    )  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(claim)
    except IntegrityError:
        raise AlreadyNudged(f"{reviewer.name} was reminded of this draft today.") from None
    _email_reminders(reviewer, [claim], sender=actor)
    record_event("reviewer_nudged", actor=actor, subject=draft, client_id=draft.client_id,
                 client_visible=False, reviewer=reviewer.id)  # fmt: skip
    return claim


def overdue_reviews(user: User, now: datetime | None = None):
    """A select of the newest versions past their review's due time on which someone still
    owes a decision, on drafts ``user`` may see, each with its draft, longest overdue first:
    the staff inbox's list."""
    now = now or utcnow()
    return (
        access.visible_versions(user)
        .add_columns(Draft)
        .join(Draft, Draft.id == Version.draft_id)
        .where(is_newest_version(), Draft.review_due_at < now, awaited_reviewer())
        .order_by(Draft.review_due_at, Draft.id)
    )


def open_review_deadlines(client_ids) -> dict[int, list[tuple]]:
    """For relationship health: per client of ``client_ids``, each open review with a due
    time as (draft id, title, version number, due time, reviewers yet to decide), one query."""
    rows = db.session.execute(
        open_reviews()
        .with_only_columns(
            Draft.client_id, Draft.id, Draft.title, Version.number, Draft.review_due_at,
            func.count(DraftReviewer.user_id),
        )
        .where(Draft.client_id.in_(client_ids), Draft.review_due_at.is_not(None))
        .group_by(Draft.client_id, Draft.id, Draft.title, Version.number, Draft.review_due_at)
    ).all()  # fmt: skip
    by_client: dict[int, list[tuple]] = defaultdict(list)
    for client_id, *review in rows:
        by_client[client_id].append(tuple(review))
    return by_client
