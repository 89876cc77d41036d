"""Who may see and do what: the one place that decides.

Every query of tenant-owned rows goes through the scoping helpers here. Rows a user may not
see answer 404 (their existence is never revealed); actions on rows they may see but not do
answer 403.
"""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select, exists, select

from portal.extensions import db
from portal.models import Assignment, Client, Project, User


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


def get_client_or_404(user: User, slug: str) -> Client:
    """The client called ``slug`` if ``user`` may see it; otherwise abort with 404."""
    client = db.session.scalar(
        select(Client).where(Client.slug == slug, Client.id.in_(visible_client_ids(user)))
    )
    if client is None:
        abort(404)
    return client


def get_project_or_404(client: Client, project_id: int) -> Project:
    """Project ``project_id`` of an already-visible ``client``; 404 if it belongs elsewhere."""
    project = db.session.scalar(
        select(Project).where(Project.id == project_id, Project.client_id == client.id)
    )
    if project is None:
        abort(404)
    return project


def is_on_team(user: User, client: Client) -> bool:
    """Whether ``user`` is assigned to ``client``'s account team."""
    return bool(
        user.is_staff
        and db.session.scalar(
            select(exists().where(Assignment.client_id == client.id, Assignment.user_id == user.id))
        )
    )


def is_account_manager(user: User, client: Client) -> bool:
    """Whether ``user`` is the account manager of ``client``."""
    return bool(
        user.is_staff
        and db.session.scalar(
            select(
                exists().where(
                    Assignment.client_id == client.id,
                    Assignment.user_id == user.id,
                    Assignment.is_account_manager.is_(True),
                )
            )
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


def staff_required(view):
    """Let only logged-in agency staff through; client users get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        require(current_user.is_staff)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Let only agency admins through; everyone else logged in gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        require(current_user.is_admin)
        return view(*args, **kwargs)

    return wrapped
