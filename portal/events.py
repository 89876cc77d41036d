"""Recording the activity log."""

from portal.extensions import db
from portal.models import Event, User


def record_event(
    verb: str,
    *,
    actor: User | None,
    subject,
    client_id: int | None,
    client_visible: bool,
    **data,
) -> Event:
    """Append an event about ``subject`` (a model row) to the log, in the caller's transaction."""
    event = Event(
        verb=verb,
        actor_id=actor.id if actor else None,
        subject_type=type(subject).__tablename__,
        subject_id=subject.id,
        client_id=client_id,
        client_visible=client_visible,
        data=data,
    )
    db.session.add(event)
    return event
