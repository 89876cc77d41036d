"""What a client sees of relationship health: how the agency is doing for them, and no more.

The nightly snapshot writes an ``outside_in`` record beside the score (see
``portal.health.signals``). The client's home reads that record alone: the query selects
only the ``outside_in`` column, so score, band, pulse and drivers never reach a client page.
"""

from sqlalchemy import select

from portal.extensions import db
from portal.models import Client, HealthSnapshot


def agency_record_for(client: Client) -> dict | None:
    """How the agency answered ``client`` over the last 30 days, from its newest snapshot:
    ``median_reply_hours`` (business hours) and ``answered_within_day`` (a share, 0 to 1),
    either of which may be None. None when there is no snapshot or nothing to measure."""
    record = db.session.scalar(
        select(HealthSnapshot.outside_in)
        .where(HealthSnapshot.client_id == client.id)
        .order_by(HealthSnapshot.day.desc())
        .limit(1)
    )
    if not record:
        return None
    median_reply = record.get("median_reply_hours")
    within_day = record.get("answered_within_day")
    if median_reply is None and within_day is None:
        return None
    return {"median_reply_hours": median_reply, "answered_within_day": within_day}
