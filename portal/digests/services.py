"""Daily and weekly digests: what waits on each person, at their own local hour.

A tick every few minutes asks, for each person, whether this period's digest is due on their
clock and not yet claimed, and enqueues it. Whether it is due depends only on a person's clock
settings (zone, frequency, hour, weekday, quiet hours), so the tick asks once per distinct
setting, then loads only the people due and unclaimed: two queries, however many people.
Digests go out in batches (``send_digests``), each digest in a transaction of its own.
Each one claims the (person, period) ledger row first (a unique pair, so a doubled or retried
job finds it taken), gathers what happened in the window since the last digest ended, and
writes the e-mail to the outbox in the same transaction. An empty window sends nothing.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import access
from portal.clients.services import client_slugs
from portal.extensions import db
from portal.inbox.services import (
    client_comments_waiting,
    questions_for,
    versions_to_decide,
)
from portal.jobs import batched, each_in_its_own_transaction, enqueue
from portal.mail.outbox import queue_email
from portal.mail.reply_addresses import reply_placeholder
from portal.models import (
    Band,
    Client,
    Comment,
    DigestRun,
    Draft,
    EmailFrequency,
    FollowLevel,
    HealthAlert,
    Subscription,
    Thread,
    User,
    utcnow,
)
from portal.notifications.preferences import in_quiet_hours, local_time, unsubscribe_url
from portal.notifications.review import discussion_reply_address, review_digest_items
from portal.threads.queries import discussion_of
from portal.urls import public_url, thread_location

MAX_PER_SECTION = 30
# The digest each e-mail preference gets: "immediate" promises a daily digest as well.
DIGEST_KIND = {
    EmailFrequency.IMMEDIATE: EmailFrequency.DAILY,
    EmailFrequency.DAILY: EmailFrequency.DAILY,
    EmailFrequency.WEEKLY: EmailFrequency.WEEKLY,
}
PERIOD_LENGTH = {
    EmailFrequency.IMMEDIATE: timedelta(days=1),
    EmailFrequency.DAILY: timedelta(days=1),
    EmailFrequency.WEEKLY: timedelta(days=7),
}


@dataclass(frozen=True)
class DuePeriod:
    key: str
    nominal: datetime


def due_period(user: User, now: datetime) -> DuePeriod | None:
    """The digest period due for ``user`` at ``now`` on their clock, or None.

    Daily digests (people on immediate e-mail get one too) fall due at their hour each local
    day, weekly ones at their hour on their weekday; a period stays due until it is sent, so
    a late tick still sends it. Quiet hours hold it back. ``user`` may be a ``DigestClock``.
    """
    kind = DIGEST_KIND.get(user.email_frequency)
    if not user.active or kind is None:
        return None
    local = local_time(user, now)
    nominal = local.replace(hour=user.digest_hour, minute=0, second=0, microsecond=0)
    if kind == EmailFrequency.WEEKLY:
        nominal -= timedelta(days=local.weekday() - user.digest_weekday)
        year, week, _ = nominal.isocalendar()
        key = f"weekly:{year}-W{week:02d}"
    else:
        key = f"daily:{nominal.date().isoformat()}"
    if local < nominal or in_quiet_hours(user, now):
        return None
    return DuePeriod(key, nominal.astimezone(now.tzinfo))


# What a digest's due time depends on; NULL quiet hours read as -1, so tuples compare in SQL.
CLOCK_COLUMNS = (
    User.timezone,
    User.email_frequency,
    User.digest_hour,
    User.digest_weekday,
    func.coalesce(User.quiet_from, -1),
    func.coalesce(User.quiet_until, -1),
)


@dataclass(frozen=True)
class DigestClock:
    """The clock settings people share: ``due_period`` reads them as it would a User."""

    timezone: str
    email_frequency: str
    digest_hour: int
    digest_weekday: int
    quiet_from: int | None
    quiet_until: int | None
    active: bool = True

    @classmethod
    def from_row(cls, row) -> "DigestClock":
        zone, frequency, hour, weekday, quiet_from, quiet_until = row
        quiet = (None if value == -1 else value for value in (quiet_from, quiet_until))
        return cls(zone, frequency, hour, weekday, *quiet)


def schedule_digests(now: datetime | None = None) -> int:
    """Enqueue every digest that is due and not yet claimed; returns how many.

    Two queries whatever the number of people: the distinct clock settings of those who get
    digests, then the people on a setting that is due who have no claim for its period.
    """
    now = now or utcnow()
    receiving = (User.active.is_(True), User.email_frequency.in_(list(DIGEST_KIND)))
    clocks = db.session.execute(select(*CLOCK_COLUMNS).where(*receiving).distinct()).all()
    due = {
        tuple(clock): period
        for clock in clocks
        if (period := due_period(DigestClock.from_row(clock), now))
    }
    if not due:
        return 0
    clocks_by_period: dict[str, list[tuple]] = defaultdict(list)
    for clock, period in due.items():
        clocks_by_period[period.key].append(clock)
    unclaimed = or_(
        *(
            and_(
                tuple_(*CLOCK_COLUMNS).in_(period_clocks),
                ~exists().where(DigestRun.user_id == User.id, DigestRun.period == key),
            )
            for key, period_clocks in clocks_by_period.items()
        )
    )
    people = db.session.execute(
        select(User.id, *CLOCK_COLUMNS).where(*receiving, unclaimed).order_by(User.id)
    ).all()
    for user_id, *clock in people:
        period = due[tuple(clock)]
        enqueue(send_digests, (user_id, period.key, period.nominal.isoformat()))
    return len(people)


def window_start(user: User, window_end: datetime) -> datetime:
    """Where the person's next digest window begins: where their last one ended."""
    last_end = db.session.scalar(
        select(func.max(DigestRun.window_end)).where(DigestRun.user_id == user.id)
    )
    if last_end is not None:
        return last_end
    return window_end - PERIOD_LENGTH.get(user.email_frequency, timedelta(days=1))


@dataclass
class Digest:
    """The sections of one digest, each a title and its items (text, link, when)."""

    sections: list[tuple[str, list[dict]]] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return sum(len(items) for _title, items in self.sections)

    def add(self, title: str, items: list[dict]) -> None:
        if items:
            self.sections.append((title, items))


def build_digest(user: User, start: datetime, end: datetime) -> Digest:
    """What ``user`` should hear about from the window [start, end): only what they may see
    and have not read. Clients first get what waits on them; staff, the clients waiting, and
    those who lead accounts the health alerts raised on them. Then the new versions and
    decisions on their reviews they have not seen (a new version waiting on a client is
    listed there, with what it did with their feedback), and the rest of their conversations."""
    slugs = client_slugs(access.visible_client_ids(user))
    digest = Digest()
    in_window = and_(Comment.created_at >= start, Comment.created_at < end)
    listed: set[int] = set()
    reviews = review_digest_items(user, start, end, MAX_PER_SECTION)
    if user.is_client:
        version_rows = db.session.execute(
            versions_to_decide(user)
            .outerjoin(Thread, discussion_of(Draft.id))
            .add_columns(Thread.id)
            .limit(MAX_PER_SECTION)
        ).all()
        reviewed = {item["ready_version_id"] for item in reviews}
        waiting = [
            _version_item(user, version, draft, thread_id, slugs)
            for version, draft, thread_id in version_rows
            if start <= version.created_at < end and version.id not in reviewed
        ]
        questions = _comments(user, questions_for(user).where(in_window), slugs, listed)
        digest.add("Waiting on you", waiting + questions)
    else:
        digest.add(
            "Clients waiting on you",
            _comments(user, client_comments_waiting(user).where(in_window), slugs, listed),
        )
        digest.add(
            "Questions for you",
            _comments(user, questions_for(user).where(in_window), slugs, listed),
        )
        digest.add("Your accounts", _health_alerts(user, start, end))
    digest.add("Reviews", reviews)
    digest.add(
        "New in your conversations", _comments(user, _replies(user, start, end), slugs, listed)
    )
    return digest


def _replies(user: User, start: datetime, end: datetime):
    """Unread comments by others in threads ``user`` watches, in the window."""
    return (
        access.visible_comments(user)
        .join(
            Subscription,
            and_(Subscription.thread_id == Thread.id, Subscription.user_id == user.id),
        )
        .where(
            Subscription.level == FollowLevel.WATCHING,
            Comment.author_id != user.id,
            Comment.deleted_at.is_(None),
            Comment.id > Subscription.last_read_comment_id,
            Comment.created_at >= start,
            Comment.created_at < end,
        )
        .order_by(Comment.id)
    )


def _comments(user: User, query, slugs, listed: set[int]) -> list[dict]:
    """Digest items for the comments of ``query``, skipping those already in a section, each
    with ``user``'s reply address for its thread."""
    rows = db.session.scalars(
        query.options(joinedload(Comment.author), joinedload(Comment.thread)).limit(MAX_PER_SECTION)
    ).unique()
    items = []
    for comment in rows:
        if comment.id in listed:
            continue
        listed.add(comment.id)
        endpoint, values = thread_location(comment.thread, slugs[comment.client_id], comment.id)
        items.append(
            {
                "title": comment.thread.title,
                "who": comment.author.attributed_name,
                "text": comment.body[:280],
                "when": comment.created_at,
                "link": public_url(endpoint, **values),
                "reply_address": reply_placeholder(user.id, comment.thread_id),
            }
        )
    return items


def _health_alerts(user: User, start: datetime, end: datetime) -> list[dict]:
    """Digest items for the health alerts raised in the window on the clients whose health
    ``user`` reads (none for makers and clients): one query, with each alert's client."""
    rows = db.session.execute(
        access.visible_alerts(user)
        .add_columns(Client.name, Client.slug)
        .join(Client, Client.id == HealthAlert.client_id)
        .where(HealthAlert.created_at >= start, HealthAlert.created_at < end)
        .order_by(HealthAlert.created_at, HealthAlert.id)
        .limit(MAX_PER_SECTION)
    ).all()
    return [
        {
            "title": client_name,
            "who": None,
            "text": f"{alert.text} ({_band_change(alert)})" if alert.band_to else alert.text,
            "when": alert.created_at,
            "link": public_url("health.client", slug=slug),
        }
        for alert, client_name, slug in rows
    ]


def _band_change(alert: HealthAlert) -> str:
    after = Band(alert.band_to).label
    if alert.band_from and alert.band_from != alert.band_to:
        return f"{Band(alert.band_from).label} → {after}"
    return f"now {after}"


def _version_item(user: User, version, draft, thread_id: int | None, slugs) -> dict:
    """A digest item for ``version`` waiting on ``user``, with their reply address for the
    draft's discussion ``thread_id``."""
    return {
        "title": f"{draft.title}, version {version.number}",
        "who": None,
        "text": "Ready for your decision"
        + (f", due {draft.due_date.strftime('%-d %B')}" if draft.due_date else ""),
        "when": version.created_at,
        "link": public_url("drafts.show", slug=slugs[draft.client_id], draft_id=draft.id),
        "due_at": draft.review_due_at,
        "reply_address": discussion_reply_address(user, thread_id),
    }


@batched
def send_digests(*digests: tuple[int, str, str]) -> None:
    """Send each digest of ``digests`` (user id, period, nominal time), each committed on its
    own: one that fails is rolled back and logged, and stays due for the next tick."""
    each_in_its_own_transaction(digests, lambda digest: send_digest(*digest), "digest")


def send_digest(user_id: int, period: str, nominal_iso: str) -> None:
    """Claim ``user_id``'s digest for ``period`` and write it to the outbox (if not empty).

    A second run for the same period finds the claim taken and does nothing.
    """
    user = db.session.get(User, user_id)
    if user is None:
        return
    end = datetime.fromisoformat(nominal_iso)
    start = window_start(user, end)
    run = DigestRun(user_id=user.id, period=period, window_start=start, window_end=end)
    db.session.add(run)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return
    digest = build_digest(user, start, end)
    run.item_count = digest.item_count
    if not digest.item_count:
        return
    message = queue_email(
        to=user.email,
        user=user,
        subject=_subject(user, digest),
        template="digest",
        dedupe_key=f"digest-{user.id}-{period}",
        unsubscribe_url=unsubscribe_url(user),
        digest=digest,
        period=period,
        preferences_link=public_url("account.notifications"),
    )
    run.email_message_id = message.id


def _subject(user: User, digest: Digest) -> str:
    kind = DIGEST_KIND.get(user.email_frequency, EmailFrequency.DAILY)
    first_title = digest.sections[0][0]
    return f"Your {kind} Portal digest: {first_title.lower()} and more"


def preview_digest(user: User, now: datetime | None = None) -> Digest:
    """What the person's next digest would hold if it were sent now."""
    now = now or utcnow()
    return build_digest(user, window_start(user, now), now)
