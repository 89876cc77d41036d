"""Client organisations, their account teams and their projects."""

import re
import unicodedata
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from portal import access
from portal.errors import Conflict, InvalidInput
from portal.events import record_event
from portal.extensions import db
from portal.models import Assignment, Client, Project, StaffRole, User, UserKind, utcnow

# The order account teams are listed in: who leads the account first, then who makes the work.
TEAM_ORDER = [
    StaffRole.ACCOUNT_MANAGER,
    StaffRole.CLIENT_SERVICES,
    StaffRole.COPYWRITER,
    StaffRole.CREATIVE,
    StaffRole.STRATEGIST,
    StaffRole.ADMIN,
]


def slugify(name: str) -> str:
    """A lowercase ASCII slug for ``name``: ``"Bramble & Oak"`` → ``"bramble-oak"``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:48].strip("-") or "client"


def _unique_slug(name: str) -> str:
    base = slugify(name)
    taken = set(
        db.session.scalars(
            select(Client.slug).where((Client.slug == base) | Client.slug.like(f"{base}-%"))
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_client(actor: User, name: str) -> Client:
    """Create a client organisation named ``name`` with a unique slug."""
    name = name.strip()
    if not name:
        raise InvalidInput("Give the client a name.")
    client = Client(name=name, slug=_unique_slug(name))
    db.session.add(client)
    db.session.flush()
    record_event(
        "client_created",
        actor=actor,
        subject=client,
        client_id=client.id,
        client_visible=False,
        name=name,
    )
    return client


def set_client_archived(actor: User, client: Client, archived: bool) -> None:
    """Archive a client (its users are signed out and can no longer sign in) or bring it back."""
    client.archived_at = utcnow() if archived else None
    if archived:
        db.session.execute(
            update(User)
            .where(User.client_id == client.id)
            .values(session_version=User.session_version + 1)
        )
    record_event(
        "client_archived" if archived else "client_restored",
        actor=actor,
        subject=client,
        client_id=client.id,
        client_visible=False,
    )


def account_team(client: Client) -> list[Assignment]:
    """The active staff on ``client``'s team, account manager first, then by role and name."""
    assignments = db.session.scalars(
        select(Assignment)
        .join(Assignment.user)
        .options(joinedload(Assignment.user))
        .where(Assignment.client_id == client.id, User.active.is_(True))
        .order_by(User.name)
    ).all()
    return sorted(
        assignments,
        key=lambda a: (not a.is_account_manager, TEAM_ORDER.index(StaffRole(a.user.role))),
    )


def assign_staff(actor: User, client: Client, user: User, responsibility: str) -> Assignment:
    """Put active staff member ``user`` on ``client``'s account team."""
    if not (user.is_staff and user.active):
        raise InvalidInput("Only active agency staff can join an account team.")
    existing = db.session.scalar(
        select(Assignment).where(Assignment.client_id == client.id, Assignment.user_id == user.id)
    )
    if existing is not None:
        raise Conflict(f"{user.name} is already on the {client.name} team.")
    assignment = Assignment(
        client_id=client.id, user_id=user.id, responsibility=responsibility.strip()[:200]
    )
    db.session.add(assignment)
    db.session.flush()
    record_event(
        "staff_assigned",
        actor=actor,
        subject=assignment,
        client_id=client.id,
        client_visible=True,
        user_id=user.id,
        name=user.name,
    )
    return assignment


def get_assignment(client: Client, assignment_id: int) -> Assignment | None:
    """Assignment ``assignment_id`` on ``client``'s team, with its user, or None."""
    return db.session.scalar(
        select(Assignment)
        .options(joinedload(Assignment.user))
        .where(Assignment.id == assignment_id, Assignment.client_id == client.id)
    )


def update_assignment(
    actor: User, assignment: Assignment, responsibility: str, account_manager: bool
) -> None:
    """Change what a team member does for the client, or make them its account manager."""
    assignment.responsibility = responsibility.strip()[:200]
    if account_manager and not assignment.is_account_manager:
        previous = db.session.scalar(
            select(Assignment).where(
                Assignment.client_id == assignment.client_id,
                Assignment.is_account_manager.is_(True),
            )
        )
        if previous is not None:
            previous.is_account_manager = False
            db.session.flush()
        record_event(
            "account_manager_set",
            actor=actor,
            subject=assignment,
            client_id=assignment.client_id,
            client_visible=True,
            user_id=assignment.user_id,
        )
    assignment.is_account_manager = account_manager


def unassign_staff(actor: User, assignment: Assignment) -> None:
    """Take a staff member off a client's account team."""
    record_event(
        "staff_unassigned",
        actor=actor,
        subject=assignment,
        client_id=assignment.client_id,
        client_visible=False,
        user_id=assignment.user_id,
    )
    db.session.delete(assignment)


def unassigned_staff(client: Client) -> list[User]:
    """Active staff not yet on ``client``'s team, by name: the candidates to add."""
    on_team = select(Assignment.user_id).where(Assignment.client_id == client.id)
    return db.session.scalars(
        select(User)
        .where(User.kind == UserKind.STAFF, User.active.is_(True), User.id.not_in(on_team))
        .order_by(User.name)
    ).all()


PROJECTS_PER_PAGE = 25


def client_projects(client: Client, page: int = 1, per_page: int = PROJECTS_PER_PAGE):
    """Page ``page`` of the live projects of ``client``, soonest due first, undated last: a
    Flask-SQLAlchemy pagination; past the last page its ``items`` are empty."""
    return db.paginate(
        select(Project)
        .where(Project.client_id == client.id, Project.archived_at.is_(None))
        .order_by(Project.due_date.is_(None), Project.due_date, Project.name, Project.id),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def project_counts(client_ids: list[int]) -> dict[int, int]:
    """How many live projects each of ``client_ids`` has, in one query."""
    rows = db.session.execute(
        select(Project.client_id, func.count())
        .where(Project.client_id.in_(client_ids), Project.archived_at.is_(None))
        .group_by(Project.client_id)
    )
    return dict(rows.all())


def client_slugs(client_ids) -> dict[int, str]:
    """The slug of each client in ``client_ids`` (ids, or a select of them), for links."""
    return dict(
        db.session.execute(select(Client.id, Client.slug).where(Client.id.in_(client_ids))).all()
    )


def save_project(
    actor: User,
    client: Client,
    *,
    name: str,
    brief: str,
    goals: str,
    due_date: date | None,
    project: Project | None = None,
) -> Project:
    """Create a project under ``client``, or update ``project`` with these fields."""
    name = name.strip()
    if not name:
        raise InvalidInput("Give the project a name.")
    creating = project is None
    if creating:
        project = Project(client_id=client.id, created_by_id=actor.id)
        db.session.add(project)
    project.name, project.brief, project.goals, project.due_date = (
        name,
        brief.strip(),
        goals.strip(),
        due_date,
    )
    db.session.flush()
    record_event(
        "project_created" if creating else "project_updated",
        actor=actor,
        subject=project,
        client_id=client.id,
        client_visible=True,
        name=name,
    )
    return project


PEOPLE_PER_PAGE = 50


def client_people(viewer: User, client: Client, page: int = 1, per_page: int = PEOPLE_PER_PAGE):
    """Page ``page`` of ``client``'s people that ``viewer`` may see, active first, by name: a
    Flask-SQLAlchemy pagination."""
    return db.paginate(
        access.visible_people(viewer, client).order_by(User.active.desc(), User.name, User.id),
        page=page,
        per_page=per_page,
        error_out=False,
    )
