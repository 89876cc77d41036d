"""Alerts: a client's health took a turn its account manager should hear about, once.

Three causes: the band dropped since the last snapshot, the score fell by
``ALERT_FALL_POINTS`` within ``ALERT_FALL_DAYS`` days, or a hard trigger started firing.
Each alert is claimed by its unique (client, cause key) row before its e-mail is written
(with a dedupe key of its own), so a recomputed day raises nothing twice.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.health import scoring
from portal.mail.outbox import queue_email
from portal.models import Assignment, Band, Client, HealthAlert, HealthSnapshot, User
from portal.urls import public_url


def raise_alerts(day: date, healths: dict, now: datetime) -> list[HealthAlert]:
    """Claim and e-mail the alerts today's assessments call for; returns the new ones."""
    client_ids = list(healths)
    previous = _previous_snapshots(day, client_ids)
    best_recent = dict(
        db.session.execute(
            select(HealthSnapshot.client_id, func.max(HealthSnapshot.score))
            .where(
                HealthSnapshot.client_id.in_(client_ids),
                HealthSnapshot.day >= day - timedelta(days=scoring.ALERT_FALL_DAYS),
                HealthSnapshot.day < day,
            )
            .group_by(HealthSnapshot.client_id)
        ).all()
    )
    claimed = set(
        db.session.execute(
            select(HealthAlert.client_id, HealthAlert.cause_key).where(
                HealthAlert.client_id.in_(client_ids),
                HealthAlert.day >= day - timedelta(days=scoring.ALERT_FALL_DAYS),
            )
        ).all()
    )
    recent_falls = {client_id for client_id, key in claimed if key.startswith("fall:")}
    new = []
    for client_id, health in healths.items():
        for cause, key, text, band_from in _causes(
            day, health, previous.get(client_id), best_recent.get(client_id)
        ):
            if (client_id, key) in claimed or (cause == "fall" and client_id in recent_falls):
                continue
            alert = HealthAlert(
                client_id=client_id, day=day, cause=cause, cause_key=key, text=text,
                band_from=band_from, band_to=health.band, created_at=now,
            )  # fmt: skip
            db.session.add(alert)
            new.append(alert)
    if new:
        db.session.flush()
        _email_account_managers(new)
    return new


def _previous_snapshots(day: date, client_ids: list[int]) -> dict[int, HealthSnapshot]:
    latest = (
        select(HealthSnapshot.client_id, func.max(HealthSnapshot.day).label("day"))
        .where(HealthSnapshot.client_id.in_(client_ids), HealthSnapshot.day < day)
        .group_by(HealthSnapshot.client_id)
        .subquery()
    )
    return {
        snapshot.client_id: snapshot
        for snapshot in db.session.scalars(
            select(HealthSnapshot).join(
                latest,
                (latest.c.client_id == HealthSnapshot.client_id)
                & (latest.c.day == HealthSnapshot.day),
            )
        )
    }


def _causes(day, health, previous, best_recent):
    """(cause, cause key, text, band before) for each reason to alert about ``health``."""
    if previous is not None and previous.band and health.band:
        before = Band(previous.band)
        if health.band.rank < before.rank:
            yield ("band_drop", f"band_drop:{day}",
                   f"Dropped from {before.label} to {health.band.label}", before)  # fmt: skip
    if best_recent is not None and health.score is not None:
        fall = best_recent - round(health.score)
        if fall >= scoring.ALERT_FALL_POINTS:
            text = f"Score fell {fall} points in {scoring.ALERT_FALL_DAYS} days"
            yield "fall", f"fall:{day}", text, None
    fired_before = {t["key"] for t in previous.triggers} if previous is not None else set()
    for trigger in health.triggers:
        if trigger.key not in fired_before:
            yield "trigger", f"trigger:{trigger.key}:{day}", trigger.text, None


def _email_account_managers(alerts: list[HealthAlert]) -> None:
    client_ids = {alert.client_id for alert in alerts}
    managers: dict[int, list[User]] = {}
    for client_id, manager in db.session.execute(
        select(Assignment.client_id, User)
        .join(User, User.id == Assignment.user_id)
        .where(
            Assignment.client_id.in_(client_ids),
            Assignment.is_account_manager.is_(True),
            User.active.is_(True),
        )
    ):
        managers.setdefault(client_id, []).append(manager)
    clients = {c.id: c for c in db.session.scalars(select(Client).where(Client.id.in_(client_ids)))}
    for alert in alerts:
        client = clients[alert.client_id]
        for manager in managers.get(alert.client_id, []):
            queue_email(
                to=manager.email,
                user=manager,
                subject=f"{client.name}: {alert.text}",
                template="health_alert",
                dedupe_key=f"health-alert-{alert.id}-{manager.id}",
                client=client,
                alert=alert,
                link=public_url("health.client", slug=client.slug),
            )
