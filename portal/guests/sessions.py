"""A guest's session: bound to the one grant (and so the one draft) it was opened with."""

from flask import session

from portal.extensions import db
from portal.models import GuestGrant, User
from portal.routing import row_id

# The session key holding the id of the grant a guest's session was opened with.
GUEST_GRANT = "guest_grant"


def guest_of_live_grant(guest: User, session_version: int) -> User | None:
    """``guest``, carrying the grant this session was opened with, while that grant is live
    (neither expired nor revoked) and the session current; otherwise nobody."""
    grant_id = row_id(session.get(GUEST_GRANT))
    grant = db.session.get(GuestGrant, grant_id) if grant_id else None
    if (
        grant is None
        or grant.guest_id != guest.id
        or not grant.is_live()
        or not guest.active
        or guest.session_version != session_version
    ):
        return None
    guest.guest_grant = grant
    return guest
