"""Changing health: pulses, the agency's weights, and recomputing on demand."""

from portal.errors import InvalidInput
from portal.events import record_event
from portal.extensions import db
from portal.health import scoring
from portal.health.settings import agency_settings
from portal.health.snapshots import rescore_client
from portal.jobs import enqueue
from portal.models import Client, Pulse, PulseRating, User, utcnow


def record_pulse(actor: User, client: Client, rating: str, comment: str) -> Pulse:
    """Record ``actor``'s reading of the relationship with ``client``; a job rescores it."""
    if rating not in set(PulseRating):
        raise InvalidInput("Choose Healthy, Concerning or Poor.", field="rating")
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput("Say why, so the next person understands.", field="comment")
    pulse = Pulse(client_id=client.id, author_id=actor.id, rating=rating, comment=comment[:2000])
    db.session.add(pulse)
    db.session.flush()
    record_event("pulse_recorded", actor=actor, subject=pulse, client_id=client.id,
                 client_visible=False, rating=rating)  # fmt: skip
    enqueue(rescore_client, client.id, queue="slow")
    return pulse


def save_weights(actor: User, weights_by_key: dict[str, int]) -> None:
    """Store the agency's signal weights; at least one must be above 0."""
    known = {spec.key for spec in scoring.SIGNALS}
    weights_by_key = {key: int(value) for key, value in weights_by_key.items() if key in known}
    if not any(weights_by_key.values()):
        raise InvalidInput("Give at least one signal a weight above 0.")
    settings = agency_settings()
    settings.health_weights = weights_by_key
    settings.updated_at = utcnow()
    db.session.add(settings)
    db.session.flush()
    record_event("health_weights_changed", actor=actor, subject=settings, client_id=None,
                 client_visible=False, weights=weights_by_key)  # fmt: skip
