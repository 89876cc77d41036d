"""Daily health snapshots: every live client assessed and written, one row per day.

``take_snapshots`` is the job (nightly on the schedule, on demand from the dashboard, by
``flask jobs tick`` in the embedded mode). It assesses every client in a fixed number of
queries and upserts the (client, day) row, so running a day again updates that row in
place; alerts are claimed per (client, cause) and so are raised once.

The assessment, the long part (13 s for 500 busy clients), reads without SQLite's write
lock; only the writing holds it, in a short transaction of its own. Held over the whole
run, the lock kept every web post waiting, and failing after the busy timeout.
"""

from datetime import date, datetime

from sqlalchemy import insert, select

from portal.extensions import db, read_only_transaction
from portal.health.alerts import raise_alerts
from portal.health.facts import gather_facts
from portal.health.settings import agency_settings, business_calendar
from portal.health.signals import ClientHealth, assess
from portal.models import HealthSnapshot, utcnow


def assess_clients(now: datetime, client_ids: list[int] | None = None) -> dict[int, ClientHealth]:
    """Every live client's health at ``now`` (or only ``client_ids``'), by client id."""
    settings = agency_settings()
    calendar = business_calendar(settings)
    facts = gather_facts(now, client_ids)
    return {
        client_id: assess(client_facts, facts, calendar, settings.health_weights)
        for client_id, client_facts in facts.clients.items()
    }


def snapshot_day(now: datetime) -> date:
    """The agency's calendar day at ``now``: snapshots are kept per agency day."""
    return now.astimezone(business_calendar(agency_settings()).zone).date()


def take_snapshots(now: datetime | None = None, client_ids: list[int] | None = None) -> int:
    """Assess every live client (or ``client_ids``) at ``now`` and write the day's snapshots;
    raise the alerts they call for. Returns how many snapshots were written.

    It commits: first what the session holds, then the assessment's reading (and the tones
    it scored), then the snapshots and alerts.
    """
    now = now or utcnow()
    db.session.commit()
    read_only_transaction()
    day = snapshot_day(now)
    healths = assess_clients(now, client_ids)
    db.session.commit()
    if not healths:
        return 0
    existing = {
        snapshot.client_id: snapshot
        for snapshot in db.session.scalars(
            select(HealthSnapshot).where(
                HealthSnapshot.day == day, HealthSnapshot.client_id.in_(list(healths))
            )
        )
    }
    new = []
    for client_id, health in healths.items():
        values = _values(health, now)
        if client_id in existing:
            for key, value in values.items():
                setattr(existing[client_id], key, value)
        else:
            new.append({"client_id": client_id, "day": day, **values})
    if new:
        # One executemany: added as ORM objects, SQLite would get one INSERT per row (it
        # can't batch inserts that must return their new ids in order).
        db.session.execute(insert(HealthSnapshot), new)
    db.session.flush()
    raise_alerts(day, healths, now)
    db.session.commit()
    return len(healths)


def rescore_client(client_id: int) -> None:
    """A job: today's snapshot of one client, taken now (after a pulse, or when asked)."""
    take_snapshots(client_ids=[client_id])


def _values(health: ClientHealth, now: datetime) -> dict:
    return {
        "score": None if health.score is None else round(health.score),
        "band": health.band,
        "profile": health.profile,
        "signals": [signal.as_json() for signal in health.signals],
        "drivers": [driver.as_json() for driver in health.drivers],
        "triggers": [{"key": t.key, "text": t.text, "cap": t.cap.value} for t in health.triggers],
        "outside_in": health.outside_in,
        "computed_at": now,
    }
