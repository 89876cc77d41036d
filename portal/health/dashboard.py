"""What the health dashboard and a client's health page show, in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from portal import access
from portal.extensions import db
from portal.health import scoring
from portal.models import Assignment, Band, Client, HealthSnapshot, User
from portal.paging import PageLinks

HISTORY_DAYS = 90
TREND_DAYS = 7
# A move of fewer points than this over the trend window shows as steady.
TREND_STEP = 3
PER_PAGE = 50


@dataclass
class ClientRow:
    """One client on the dashboard: its latest snapshot, history, trend and owner."""

    client: Client
    snapshot: HealthSnapshot | None
    history: list[tuple[date, int]] = field(default_factory=list)
    owners: list[User] = field(default_factory=list)

    @property
    def trend(self) -> str:
        """ "up", "down" or "steady": the score now against about a week before."""
        if self.snapshot is None or self.snapshot.score is None or not self.history:
            return "steady"
        then = self.snapshot.day - timedelta(days=TREND_DAYS)
        earlier = [score for day, score in self.history if day <= then]
        if not earlier:
            return "steady"
        change = self.snapshot.score - earlier[-1]
        if change >= TREND_STEP:
            return "up"
        return "down" if change <= -TREND_STEP else "steady"


@dataclass(frozen=True)
class Pager(PageLinks):
    """Which page of how many, as the pagination macro reads it."""

    requested: int
    pages: int
    total: int

    @property
    def page(self) -> int:
        return min(max(self.requested, 1), self.pages)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _latest_snapshots(user: User):
    """The latest snapshot of each client whose health ``user`` reads: grouped over those
    clients only, not the history of every client."""
    latest = (
        select(HealthSnapshot.client_id, func.max(HealthSnapshot.day).label("day"))
        .where(HealthSnapshot.client_id.in_(access.health_client_ids(user)))
        .group_by(HealthSnapshot.client_id)
        .subquery()
    )
    snapshot = aliased(HealthSnapshot)
    return snapshot, latest


def dashboard_page(user: User, *, band: str | None, owner_id: int | None, page: int):
    """A page of the clients whose health ``user`` reads, worst first, with history."""
    snapshot, latest = _latest_snapshots(user)
    rank = case(
        (snapshot.band == Band.AT_RISK, 0), (snapshot.band == Band.WATCH, 1),
        (snapshot.band == Band.HEALTHY, 2), else_=3,
    )  # fmt: skip
    query = (
        select(Client, snapshot)
        .outerjoin(latest, latest.c.client_id == Client.id)
        .outerjoin(snapshot, (snapshot.client_id == Client.id) & (snapshot.day == latest.c.day))
        .where(Client.id.in_(access.health_client_ids(user)))
        .order_by(rank, snapshot.score.is_(None), snapshot.score, Client.name)
    )
    if band in set(Band):
        query = query.where(snapshot.band == band)
    if owner_id is not None:
        query = query.where(
            Client.id.in_(
                select(Assignment.client_id).where(
                    Assignment.user_id == owner_id, Assignment.is_account_manager.is_(True)
                )
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pager = Pager(page, max(1, -(-total // PER_PAGE)), total)
    rows = [
        ClientRow(client, snap)
        for client, snap in db.session.execute(
            query.limit(PER_PAGE).offset((pager.page - 1) * PER_PAGE)
        )
    ]
    _add_history(rows)
    _add_owners(rows)
    return pager, rows


def _add_history(rows: list[ClientRow]) -> None:
    by_client = {row.client.id: row for row in rows}
    if not by_client:
        return
    newest = max((r.snapshot.day for r in rows if r.snapshot), default=None)
    if newest is None:
        return
    for client_id, day, score in db.session.execute(
        select(HealthSnapshot.client_id, HealthSnapshot.day, HealthSnapshot.score)
        .where(
            HealthSnapshot.client_id.in_(list(by_client)),
            HealthSnapshot.day > newest - timedelta(days=HISTORY_DAYS),
            HealthSnapshot.score.is_not(None),
        )
        .order_by(HealthSnapshot.day)
    ):
        by_client[client_id].history.append((day, score))


def _add_owners(rows: list[ClientRow]) -> None:
    by_client = {row.client.id: row for row in rows}
    if not by_client:
        return
    for client_id, user in db.session.execute(
        select(Assignment.client_id, User)
        .join(User, User.id == Assignment.user_id)
        .where(Assignment.client_id.in_(list(by_client)), Assignment.is_account_manager.is_(True))
    ):
        by_client[client_id].owners.append(user)


def account_managers(user: User) -> list[User]:
    """The account managers of the clients ``user`` reads the health of, for the filter."""
    return db.session.scalars(
        select(User)
        .join(Assignment, Assignment.user_id == User.id)
        .where(
            Assignment.is_account_manager.is_(True),
            Assignment.client_id.in_(access.health_client_ids(user)),
        )
        .distinct()
        .order_by(User.name)
    ).all()


def client_history(user: User, client: Client) -> list[HealthSnapshot]:
    """``client``'s snapshots of the last 90 days, oldest first."""
    snapshots = db.session.scalars(
        access.visible_snapshots(user, client)
        .order_by(HealthSnapshot.day.desc())
        .limit(HISTORY_DAYS)
    ).all()
    return list(reversed(snapshots))


def preview_weights(user: User, weights_by_key: dict[str, int]) -> list[tuple]:
    """Every client's latest snapshot rescored with ``weights_by_key``: (client, snapshot,
    the score and band it would have). Onboarding clients keep their own weights."""
    snapshot, latest = _latest_snapshots(user)
    rows = db.session.execute(
        select(Client, snapshot)
        .join(latest, latest.c.client_id == Client.id)
        .join(snapshot, (snapshot.client_id == Client.id) & (snapshot.day == latest.c.day))
        .where(Client.id.in_(access.health_client_ids(user)))
        .order_by(Client.name)
    ).all()
    preview = []
    for client, snap in rows:
        weights = (
            scoring.weights(onboarding=True) if snap.profile == "onboarding" else weights_by_key
        )
        scores = {signal["key"]: signal["score"] for signal in snap.signals}
        score = scoring.weighted_score(scores, weights)
        caps = [Band(trigger["cap"]) for trigger in snap.triggers]
        preview.append((client, snap, score, scoring.band_for(score, caps)))
    return preview
