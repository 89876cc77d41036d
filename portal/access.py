"""Who may see and do what: the one place that decides.

Every query of tenant-owned rows goes through the scoping helpers here. Rows a user may not
see answer 404 (their existence is never revealed); actions on rows they may see but not do
answer 403.
"""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Assignment, Client, Comment, Draft, Project, Thread, User, Version


def visible_client_ids(user: User) -> Select:
    """A select of the ids of the clients ``user`` may see.

    Admins see every client; other staff the live clients whose team they are on; client
    users their own organisation while it is live.
    """
    if user.is_admin:
        return select(Client.id)
    live = select(Client.id).where(Client.archived_at.is_(None))
    if user.is_staff:
        return live.where(
            Client.id.in_(select(Assignment.client_id).where(Assignment.user_id == user.id))
        )
    return live.where(Client.id == user.client_id)


def visible_clients(user: User) -> Select:
    """A select of the clients ``user`` may see, ordered by name."""
    return select(Client).where(Client.id.in_(visible_client_ids(user))).order_by(Client.name)


def _one_or_404(query):
    row = db.session.scalar(query)
    if row is None:
        abort(404)
    return row


def get_client_or_404(user: User, slug: str) -> Client:
    """The client called ``slug`` if ``user`` may see it; otherwise abort with 404."""
    return _one_or_404(
        select(Client).where(Client.slug == slug, Client.id.in_(visible_client_ids(user)))
    )


def get_project_or_404(client: Client, project_id: int) -> Project:
    """Project ``project_id`` of an already-visible ``client``; 404 if it belongs elsewhere."""
    return _one_or_404(
        select(Project).where(Project.id == project_id, Project.client_id == client.id)
    )


def get_draft_or_404(client: Client, draft_id: int) -> Draft:
    """Draft ``draft_id`` of an already-visible ``client``, with its project and maker."""
    return _one_or_404(
        select(Draft)
        .options(joinedload(Draft.project), joinedload(Draft.maker))
        .where(Draft.id == draft_id, Draft.client_id == client.id)
    )


def get_version_or_404(client: Client, version_id: int) -> Version:
    """Version ``version_id`` of a draft of an already-visible ``client``."""
    return _one_or_404(
        select(Version).where(Version.id == version_id, Version.client_id == client.id)
    )


def visible_threads(user: User, client: Client) -> Select:
    """A select of ``client``'s threads that ``user`` may read: clients never see internal ones."""
    query = select(Thread).where(Thread.client_id == client.id)
    if not user.is_staff:
        query = query.where(Thread.internal.is_(False))
    return query


def get_thread_or_404(user: User, client: Client, thread_id: int) -> Thread:
    """Thread ``thread_id`` of ``client`` if ``user`` may read it."""
    return _one_or_404(visible_threads(user, client).where(Thread.id == thread_id))


def get_comment_or_404(user: User, client: Client, comment_id: int) -> Comment:
    """Comment ``comment_id`` of ``client`` if ``user`` may read it: staff-only notes and
    comments in internal threads are never visible to client users."""
    query = (
        select(Comment)
        .options(joinedload(Comment.thread), joinedload(Comment.author))
        .join(Thread, Thread.id == Comment.thread_id)
        .where(Comment.id == comment_id, Comment.client_id == client.id)
    )
    if not user.is_staff:
        query = query.where(Comment.internal.is_(False), Thread.internal.is_(False))
    return _one_or_404(query)


def can_decide(user: User, client: Client) -> bool:
    """Only the client's own users approve or request changes."""
    return user.is_client and user.client_id == client.id


def can_moderate(user: User, comment: Comment) -> bool:
    """Resolve or reopen: staff on the account, or the comment's author."""
    return comment.author_id == user.id or user.is_staff


def is_on_team(user: User, client: Client) -> bool:
    """Whether ``user`` is assigned to ``client``'s account team."""
    return bool(
        user.is_staff
        and db.session.scalar(
            select(exists().where(Assignment.client_id == client.id, Assignment.user_id == user.id))
        )
    )


def can_work_on(user: User, client: Client) -> bool:
    """Staff who may create and change a client's work: admins and its account team."""
    return user.is_admin or is_on_team(user, client)


def can_invite_client_users(user: User, client: Client) -> bool:
    """Admins, the account team, and the client's own client admins may invite its users."""
    if user.is_client:
        return user.is_client_admin and user.client_id == client.id
    return can_work_on(user, client)


def require(allowed: bool) -> None:
    """Abort with 403 unless ``allowed``: for actions on rows the user can already see."""
    if not allowed:
        abort(403)


def admin_required(view):
    """Let only agency admins through; everyone else logged in gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        require(current_user.is_admin)
        return view(*args, **kwargs)

    return wrapped
