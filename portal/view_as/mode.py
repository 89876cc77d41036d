"""The view-as mode of a request: whom it reads as, and that it writes nothing.

The mode lives in the staff member's signed session (``session["view_as"]``): the client user
read as, the staff member's own session id (so the mode belongs to that sign-in of that staff
member and ends with it, at sign-out too), and how many pages were viewed. While it is on, the
user loader makes that client user ``current_user`` (``reader_in_place_of``), so every rule of
``portal.access`` applies to the request exactly as to them; the staff member is kept as
``viewing_as().staff``, for the audit, the security log and stopping.

Nothing is written meanwhile, by three guards: every state-changing request but stopping and
signing out is refused with 403 before its view runs (``refuse_changes``); writes a read would
make (a "seen" mark) are skipped (``reads_leave_marks``); and any INSERT, UPDATE or DELETE the
request still sends is refused with 403 (``_refuse_writes``), so a write nobody thought of
fails loudly instead of marking the client's things as read by them.
"""

from dataclasses import dataclass

from flask import g, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import joinedload

from portal import access
from portal.errors import DomainError
from portal.extensions import READING_METHODS, db, htmx
from portal.logs import security_event
from portal.models import User
from portal.routing import row_id

SESSION_KEY = "view_as"
# What may still change something while viewing as someone: ending the mode, and signing out
# (which ends it too).
STOPPING_ENDPOINTS = frozenset({"view_as.stop", "auth.logout"})
WRITING_STATEMENTS = ("INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class ViewingAs:
    """The staff member signed in, and the client user they read the portal as."""

    staff: User
    reader: User

    @property
    def label(self) -> str:
        """Who is being viewed as: "Jane Doe of Northwind"."""
        return f"{self.reader.name} of {self.reader.client.name}"


class ReadOnlyWhileViewing(DomainError):
    """A change asked for while viewing as someone (403)."""

    status_code = 403

    def __init__(self, viewing: ViewingAs):
        super().__init__(
            f"Read-only while viewing as {viewing.label}. "
            "Stop viewing as them to make changes of your own."
        )


def start(staff_session_id: str, reader: User) -> None:
    """Turn the mode on in this session: from the next request on, it reads as ``reader``."""
    session[SESSION_KEY] = {"as": reader.id, "by": staff_session_id, "pages": 0}


def end() -> int:
    """Turn the mode off in this session; the number of pages viewed meanwhile."""
    state = session.pop(SESSION_KEY, None)
    return state.get("pages", 0) if isinstance(state, dict) else 0


def viewing_as() -> ViewingAs | None:
    """Whom this request reads as, or None outside the mode (a template global too)."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    return g.get("viewing_as")


def reads_leave_marks() -> bool:
    """Whether reading may leave marks such as "seen": never while viewing as someone, so
    the client's unread state doesn't change because staff looked."""
    return viewing_as() is None


def signed_in_person() -> User:
    """Who actually signed in: the staff member while viewing as someone, else current_user."""
    viewing = viewing_as()
    return viewing.staff if viewing else current_user._get_current_object()


# A client user with their client, by id; built once (every request of the mode runs it).
READER = select(User).options(joinedload(User.client))


def reader_in_place_of(user: User, session_id: str) -> User:
    """The user this request runs as, for the user loader: ``user`` (signed in with
    ``session_id``), or the client user they view as while the session's mode is theirs and
    still allowed (``access.may_view_as``). A mode that isn't (another sign-in's, the person
    deactivated, the staff member taken off the account) is dropped."""
    state = session.get(SESSION_KEY) if has_request_context() else None
    if state is None:
        return user
    reader = _reader(state, user, session_id)
    if reader is None:
        session.pop(SESSION_KEY, None)
        return user
    g.viewing_as = ViewingAs(staff=user, reader=reader)
    g.viewing_read_only = request.endpoint not in STOPPING_ENDPOINTS
    return reader


def _reader(state, user: User, session_id: str) -> User | None:
    if not isinstance(state, dict) or state.get("by") != session_id:
        return None
    reader_id = row_id(str(state.get("as")))
    if reader_id is None:
        return None
    reader = db.session.scalar(READER.where(User.id == reader_id))
    if reader is None or reader.client is None:
        return None
    if not access.may_view_as(user, reader.client, reader):
        return None
    return reader


def refuse_changes():
    """Before every request: refuse (403, with why) a state-changing request while viewing
    as someone, except stopping the mode and signing out."""
    if request.method in READING_METHODS or request.endpoint in STOPPING_ENDPOINTS:
        return None
    viewing = viewing_as()
    if viewing is None:
        return None
    security_event("refused_403", reason="read_only_while_viewing_as")
    raise ReadOnlyWhileViewing(viewing)


def count_page(response):
    """After every request: count a page read while viewing as someone (for the audit)."""
    state = session.get(SESSION_KEY)
    if (
        isinstance(state, dict)
        and g.get("viewing_as") is not None
        and request.method == "GET"
        and not htmx
        and response.status_code == 200
        and response.mimetype == "text/html"
    ):
        session[SESSION_KEY] = state | {"pages": state.get("pages", 0) + 1}
    return response


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_writes(connection, cursor, statement, parameters, context, executemany):
    """The last guard: no statement that writes leaves a request read as someone else."""
    if (
        has_request_context()
        and g.get("viewing_read_only")
        and statement.lstrip()[:6].upper() in WRITING_STATEMENTS
    ):
        security_event("view_as_write_refused", statement=statement.split(None, 3)[:3])
        raise ReadOnlyWhileViewing(g.viewing_as)


def init_app(app) -> None:
    app.before_request(refuse_changes)
    app.after_request(count_page)
    app.jinja_env.globals["viewing_as"] = viewing_as
