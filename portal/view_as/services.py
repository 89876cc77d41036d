"""Starting and stopping "view as client", each leaving an audit event (staff-only, on the
client's activity log): ``view_as_started``, then ``view_as_stopped`` with the number of pages
viewed and why it stopped (``stopped`` or ``signed_out``)."""

from flask import session
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import access
from portal.events import record_event
from portal.extensions import db
from portal.models import Event, User
from portal.view_as import mode

VIEW_AS_VERBS = ("view_as_started", "view_as_stopped")


def start_viewing_as(staff: User, reader: User) -> None:
    """From the next request on, ``staff`` (signed in on this session) reads as ``reader``."""
    record_event(
        "view_as_started",
        actor=staff,
        subject=reader,
        client_id=reader.client_id,
        client_visible=False,
    )
    mode.start(session["_user_id"], reader)


def stop_viewing_as(viewing: mode.ViewingAs, reason: str) -> None:
    """End the mode of this session."""
    record_event(
        "view_as_stopped",
        actor=viewing.staff,
        subject=viewing.reader,
        client_id=viewing.reader.client_id,
        client_visible=False,
        pages=mode.end(),
        reason=reason,
    )


def view_as_log(viewer: User, page: int, per_page: int = 50):
    """Page ``page`` of the uses of "view as client" among the events ``viewer`` may read,
    newest first, each with its staff member (``actor``); and the people viewed as, with their
    clients, by id."""
    events = db.paginate(
        access.visible_events(viewer)
        .options(joinedload(Event.actor))
        .where(Event.verb.in_(VIEW_AS_VERBS))
        .order_by(Event.created_at.desc(), Event.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    reader_ids = {event.subject_id for event in events.items}
    readers = db.session.scalars(
        select(User).options(joinedload(User.client)).where(User.id.in_(reader_ids))
    )
    return events, {reader.id: reader for reader in readers}
