"""Who may see and do what: the one place that decides.

Three kinds of answer live here, and nowhere else:

- **List scopes** (``visible_*``): selects of the rows a person may see, holding both the
  client scope and the staff-only rule. Every list (pages, fragments, inbox, digests,
  notifications) builds on them by adding its own conditions.
- **Single rows** (``get_*_or_404``): a row by id, or 404 when the person may not see it, so
  its existence is never revealed. The test suite checks, on every call, that each answer
  agrees with the matching list scope.
- **Permissions** (``can_*``): whether a person may take an action on a row they can see.
  Views ``require`` them (403 otherwise), and templates call the same checks (they are
  template globals), so a button is drawn exactly when its action is allowed.

**Guests** (``User.kind == "guest"``) review one draft from an e-mailed link. A guest has no
client, so every rule that keys on a client or on staff refuses them; where a rule lets
client users in, a guest is let in only to the draft of the grant their session was opened
with (``User.guest_grant``) and that draft's client-visible thread. On top of that,
``GUEST_ENDPOINTS`` lists the only routes a guest may reach at all: every other route
answers a guest 404 (``guest_gate``), including routes added later.
"""

from functools import wraps
from typing import NoReturn

from flask import abort, request
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, Select, bindparam, exists, false, select, true
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.logs import security_event
from portal.models import (
    Assignment,
    Client,
    ClientRole,
    Comment,
    Draft,
    Event,
    HealthAlert,
    HealthSnapshot,
    Project,
    Pulse,
    StaffRole,
    Thread,
    User,
    UserKind,
    Version,
)

# Staff who run the relationship may invite a client's admins; the rest of the team may
# invite reviewers only.
ACCOUNT_LEADS = {StaffRole.ADMIN, StaffRole.ACCOUNT_MANAGER, StaffRole.CLIENT_SERVICES}


# ---- List scopes -------------------------------------------------------------------------


def visible_client_ids(user: User) -> Select:
    """A select of the ids of the clients ``user`` may see.

    Admins see every client; other staff the live clients whose team they are on; client
    users their own organisation while it is live.
    """
    if user.is_admin:
        return select(Client.id)
    live = select(Client.id).where(Client.archived_at.is_(None))
    if user.is_guest:
        grant = user.guest_grant
        return live.where(Client.id == grant.client_id) if grant else live.where(false())
    if user.is_staff:
        return live.where(
            Client.id.in_(select(Assignment.client_id).where(Assignment.user_id == user.id))
        )
    return live.where(Client.id == user.client_id)


def visible_clients(user: User) -> Select:
    """A select of the clients ``user`` may see, ordered by name."""
    return select(Client).where(Client.id.in_(visible_client_ids(user))).order_by(Client.name)


def _in_scope(client_column, user: User, client: Client | None) -> ColumnElement:
    # Admins see every client: no condition at all, so that an admin's list can be read
    # down an index in its own order instead of client by client and then sorted.
    condition = true() if user.is_admin else client_column.in_(visible_client_ids(user))
    if client is not None:
        condition = condition & (client_column == client.id)
    return condition


def _guest_draft(draft_id_column, user: User) -> ColumnElement:
    """A condition on ``draft_id_column``: for a guest, the draft of their grant only (a
    column that is NULL, such as a project thread's draft, never matches); none otherwise."""
    if not user.is_guest:
        return true()
    grant = user.guest_grant
    return draft_id_column == grant.draft_id if grant else false()


def _no_guests(user: User) -> ColumnElement:
    """A condition for lists a guest never sees any of (projects, people, activity)."""
    return false() if user.is_guest else true()


def thread_readable_by(user: User) -> ColumnElement:
    """The staff-only rule for threads, as a condition on ``Thread``: clients never read
    internal threads; guests only their draft's discussion."""
    if user.is_staff:
        return true()
    return Thread.internal.is_(False) & _guest_draft(Thread.draft_id, user)


def comment_readable_by(user: User) -> ColumnElement:
    """The staff-only rule for comments, as a condition on ``Comment`` and its ``Thread``:
    clients never read staff-only notes, nor anything in an internal thread."""
    if user.is_staff:
        return true()
    return _readable_by_clients() & _guest_draft(Thread.draft_id, user)


def _readable_by_clients() -> ColumnElement:
    return shared_with_client(Comment) & Thread.internal.is_(False)


def may_read(comment: Comment, thread: Thread) -> ColumnElement:
    """A condition on ``User``: that person may read ``comment`` of ``thread`` (the same
    rule as ``comment_readable_by``, asked of the people instead of the comments)."""
    if comment.internal or thread.internal:
        return User.kind == UserKind.STAFF
    return true()


def readable_by_person(person_id) -> ColumnElement:
    """``comment_readable_by`` for a person known only as a column (a subscription's
    ``user_id``), for bulk work over many people: a condition on ``Comment``, its ``Thread``
    and that column."""
    is_staff = select(User.id).where(User.id == person_id, User.kind == UserKind.STAFF).exists()
    return is_staff | _readable_by_clients()


def shared_with_client(comment) -> ColumnElement:
    """A condition: ``comment`` (the Comment entity or an alias of it) is not a staff-only
    note. For questions such as "did staff answer the client where the client can see it"."""
    return comment.internal.is_(False)


def visible_projects(user: User, client: Client | None = None) -> Select:
    """A select of the projects ``user`` may see (of ``client``, if given)."""
    return select(Project).where(_in_scope(Project.client_id, user, client), _no_guests(user))


def visible_drafts(user: User, client: Client | None = None) -> Select:
    """A select of the drafts ``user`` may see (of ``client``, if given)."""
    return select(Draft).where(
        _in_scope(Draft.client_id, user, client), _guest_draft(Draft.id, user)
    )


def visible_versions(user: User, client: Client | None = None) -> Select:
    """A select of the versions ``user`` may see (of ``client``, if given)."""
    return select(Version).where(
        _in_scope(Version.client_id, user, client), _guest_draft(Version.draft_id, user)
    )


def visible_threads(user: User, client: Client | None = None) -> Select:
    """A select of the threads ``user`` may read (of ``client``, if given)."""
    return select(Thread).where(_in_scope(Thread.client_id, user, client), thread_readable_by(user))


def visible_comments(
    user: User, client: Client | None = None, thread: Thread | None = None
) -> Select:
    """A select of the comments ``user`` may read (of ``client`` or ``thread``, if given),
    joined to their threads so callers can add conditions on both."""
    query = (
        select(Comment)
        .join(Thread, Thread.id == Comment.thread_id)
        .where(_in_scope(Comment.client_id, user, client), comment_readable_by(user))
    )
    if thread is not None:
        query = query.where(Comment.thread_id == thread.id)
    return query


def visible_events(user: User, client: Client | None = None) -> Select:
    """A select of the activity events ``user`` may see (of ``client``, if given): clients
    only the client-visible ones; agency-wide events (of no client) only admins."""
    scope = _in_scope(Event.client_id, user, client)
    if user.is_admin and client is None:
        scope = scope | Event.client_id.is_(None)
    query = select(Event).where(scope, _no_guests(user))
    if not user.is_staff:
        query = query.where(Event.client_visible.is_(True))
    return query


def visible_people(user: User, client: Client | None = None) -> Select:
    """A select of the client users ``user`` may see as people of a client (of ``client``, if
    given): never another organisation's."""
    return select(User).where(_in_scope(User.client_id, user, client), _no_guests(user))


def account_known_to(user: User) -> ColumnElement:
    """A condition on ``User``: ``user`` may learn that this account exists, for instance
    that its address is taken. Admins may of every account; anyone else only of the people
    they see (``visible_people``): never of staff, nor of another organisation's people."""
    return _in_scope(User.client_id, user, None) & _no_guests(user)


def people_who_may_be_mentioned(client_id: int, *, staff_only: bool) -> Select:
    """A select of the people a comment on client ``client_id`` may mention, who will read
    it: the active members of its account team and, unless the comment is staff-only, the
    client's own active users. Never another organisation's people, nor staff off the team."""
    team = select(Assignment.user_id).where(Assignment.client_id == client_id)
    who = User.id.in_(team)
    if not staff_only:
        who = who | (User.client_id == client_id)
    return select(User).where(who, User.active.is_(True))


def health_client_ids(user: User) -> Select:
    """A select of the ids of the clients whose relationship health ``user`` may read:
    every live client for admins; for other staff, the live clients they lead (their
    account manager, or an account manager or client services on the team). Makers don't
    see health: it is for the people who run the relationship. Clients never do."""
    live = select(Client.id).where(Client.archived_at.is_(None))
    if user.is_admin:
        return live
    if not user.is_staff:
        return live.where(false())
    leads = select(Assignment.client_id).where(Assignment.user_id == user.id)
    if user.role not in ACCOUNT_LEADS:
        leads = leads.where(Assignment.is_account_manager.is_(True))
    return live.where(Client.id.in_(leads))


def visible_health_clients(user: User) -> Select:
    """A select of the clients whose health ``user`` may read, by name."""
    return select(Client).where(Client.id.in_(health_client_ids(user))).order_by(Client.name)


def visible_snapshots(user: User, client: Client | None = None) -> Select:
    """A select of the health snapshots ``user`` may read (of ``client``, if given)."""
    query = select(HealthSnapshot).where(HealthSnapshot.client_id.in_(health_client_ids(user)))
    if client is not None:
        query = query.where(HealthSnapshot.client_id == client.id)
    return query


def visible_pulses(user: User, client: Client | None = None) -> Select:
    """A select of the pulses ``user`` may read (of ``client``, if given)."""
    query = select(Pulse).where(Pulse.client_id.in_(health_client_ids(user)))
    if client is not None:
        query = query.where(Pulse.client_id == client.id)
    return query


def visible_alerts(user: User, client: Client | None = None) -> Select:
    """A select of the health alerts ``user`` may read (of ``client``, if given)."""
    query = select(HealthAlert).where(HealthAlert.client_id.in_(health_client_ids(user)))
    if client is not None:
        query = query.where(HealthAlert.client_id == client.id)
    return query


# ---- Single rows -------------------------------------------------------------------------


def refuse(status: int) -> NoReturn:
    """Abort with ``status`` (404: not yours to see; 403: yours to see, not to do), noting the
    refusal in the security log."""
    security_event(f"refused_{status}")
    abort(status)


def _one_or_404(query, parameters: dict | None = None):
    row = db.session.scalar(query, parameters)
    if row is None:
        refuse(404)
    return row


def _visible_or_404(user: User, row, readable) -> object:
    if row is None or not readable(user, row):
        refuse(404)
    return row


def get_client_or_404(user: User, slug: str) -> Client:
    """The client called ``slug`` if ``user`` may see it; otherwise abort with 404."""
    if user.is_client:
        # visible_client_ids for a client user is their own live organisation, which
        # load_user has just read into the session: no statement, unless a commit since
        # expired it.
        own = db.session.get(Client, user.client_id)
        if own is None or own.slug != slug or own.is_archived:
            refuse(404)
        return own
    return _one_or_404(
        select(Client).where(Client.slug == slug, Client.id.in_(visible_client_ids(user)))
    )


def get_project_or_404(user: User, client: Client, project_id: int) -> Project:
    """Project ``project_id`` of ``client`` (already visible to ``user``); 404 elsewhere,
    and to guests."""
    return _one_or_404(
        select(Project).where(
            Project.id == project_id, Project.client_id == client.id, _no_guests(user)
        )
    )


# Every draft page and draft action runs it: built once, since building a select with its
# loader options costs as much as running it.
DRAFT_OF_CLIENT = (
    select(Draft)
    .options(joinedload(Draft.project), joinedload(Draft.maker))
    .where(Draft.id == bindparam("draft_id"), Draft.client_id == bindparam("client_id"))
)


def get_draft_or_404(user: User, client: Client, draft_id: int) -> Draft:
    """Draft ``draft_id`` of ``client`` (already visible to ``user``), with project and maker;
    to a guest, only the draft of their grant."""
    if user.is_guest and (user.guest_grant is None or user.guest_grant.draft_id != draft_id):
        refuse(404)
    return _one_or_404(DRAFT_OF_CLIENT, {"draft_id": draft_id, "client_id": client.id})


def get_version_or_404(user: User, client: Client, version_id: int) -> Version:
    """Version ``version_id`` of a draft of ``client`` (already visible to ``user``)."""
    return _one_or_404(
        select(Version).where(
            Version.id == version_id,
            Version.client_id == client.id,
            _guest_draft(Version.draft_id, user),
        )
    )


def get_person_or_404(user: User, client: Client, user_id: int) -> User:
    """Client user ``user_id`` of ``client`` (already visible to ``user``); 404 for anyone
    else, another organisation's people and agency staff included."""
    return _one_or_404(
        select(User).where(User.id == user_id, User.client_id == client.id, _no_guests(user))
    )


def _is_guests_draft(user: User, draft_id: int | None) -> bool:
    return user.guest_grant is not None and user.guest_grant.draft_id == draft_id


def can_read_thread(user: User, thread: Thread) -> bool:
    """The staff-only rule for one thread: clients never read internal threads; guests only
    their draft's discussion."""
    if user.is_guest and not _is_guests_draft(user, thread.draft_id):
        return False
    return user.is_staff or not thread.internal


def can_read_comment(user: User, comment: Comment) -> bool:
    """The staff-only rule for one comment (its thread loaded): clients never read staff-only
    notes, nor comments in internal threads; guests only those of their draft's discussion."""
    if not can_read_thread(user, comment.thread):
        return False
    return user.is_staff or not comment.internal


def get_thread_or_404(user: User, client: Client, thread_id: int) -> Thread:
    """Thread ``thread_id`` of ``client`` if ``user`` may read it."""
    thread = db.session.scalar(
        select(Thread).where(Thread.id == thread_id, Thread.client_id == client.id)
    )
    return _visible_or_404(user, thread, can_read_thread)


def get_comment_or_404(user: User, client: Client, comment_id: int) -> Comment:
    """Comment ``comment_id`` of ``client`` if ``user`` may read it, with thread and author."""
    comment = db.session.scalar(
        select(Comment)
        .options(joinedload(Comment.thread), joinedload(Comment.author))
        .where(Comment.id == comment_id, Comment.client_id == client.id)
    )
    return _visible_or_404(user, comment, can_read_comment)


# ---- Permissions -------------------------------------------------------------------------


def get_health_client_or_404(user: User, slug: str) -> Client:
    """The client called ``slug`` if ``user`` may read its health; otherwise 404, so that
    neither the client nor its health is revealed."""
    return _one_or_404(
        select(Client).where(Client.slug == slug, Client.id.in_(health_client_ids(user)))
    )


def require(allowed: bool) -> None:
    """Abort with 403 unless ``allowed``: for actions on rows the user can already see."""
    if not allowed:
        refuse(403)


def is_on_team(user: User, client: Client) -> bool:
    """Whether ``user`` is assigned to ``client``'s account team."""
    return bool(
        user.is_staff
        and db.session.scalar(
            select(exists().where(Assignment.client_id == client.id, Assignment.user_id == user.id))
        )
    )


def can_work_on(user: User, client: Client) -> bool:
    """Create and change a client's work (projects, drafts, versions): admins and its team."""
    return user.is_admin or is_on_team(user, client)


def can_decide(user: User, draft: Draft) -> bool:
    """Approve or request changes: the draft's client's own users, and a guest whom the
    staff member who invited them allowed to (one of the draft's reviewers, then)."""
    if user.is_guest:
        return _is_guests_draft(user, draft.id) and user.guest_grant.may_decide
    return user.is_client and user.client_id == draft.client_id


def can_invite_guests(user: User, client: Client) -> bool:
    """Share a draft of ``client`` with guests, see them and revoke their links: the staff
    who may work on it."""
    return can_work_on(user, client)


def can_see_client_pages(user: User) -> bool:
    """Go beyond the one draft: everyone but guests (for links such as breadcrumbs)."""
    return not user.is_guest


def can_set_review_due(user: User, client: Client) -> bool:
    """Set or change when a review of ``client``'s drafts is due: staff on the account."""
    return can_work_on(user, client)


def can_nudge(user: User, client: Client) -> bool:
    """Send a reviewer of ``client``'s drafts a reminder now: staff on the account."""
    return can_work_on(user, client)


def can_see_overdue_reviews(user: User) -> bool:
    """See the list of reviews past their due time (of the clients ``user`` sees): staff."""
    return user.is_staff


def can_write_staff_notes(user: User) -> bool:
    """Write staff-only notes and open staff-only threads: agency staff."""
    return user.is_staff


def can_post_staff_note(user: User, thread: Thread) -> bool:
    """Offer the "staff-only note" choice in ``thread``: staff, in a client-visible thread
    (everything in an internal thread is staff-only already)."""
    return can_write_staff_notes(user) and not thread.internal


def can_edit(user: User, comment: Comment) -> bool:
    """Edit a comment: its author, while it isn't deleted."""
    return comment.author_id == user.id and not comment.is_deleted


def can_delete(user: User, comment: Comment) -> bool:
    """Delete a comment: its author or an agency admin, while it isn't deleted."""
    return (comment.author_id == user.id or user.is_admin) and not comment.is_deleted


def can_resolve(user: User, comment: Comment) -> bool:
    """Resolve or reopen a comment: staff on the account or the comment's author."""
    return (comment.author_id == user.id or user.is_staff) and not comment.is_deleted


def can_promote(user: User, comment: Comment) -> bool:
    """Share a staff-only note with the client: staff, for a live note in a client thread."""
    return (
        can_write_staff_notes(user)
        and comment.internal
        and not comment.thread.internal
        and not comment.is_deleted
    )


def can_reply_to(user: User, comment: Comment) -> bool:
    """Reply to a comment: anyone who reads it, to a live comment that is not itself a reply
    (replies are one level deep)."""
    return comment.reply_to_id is None and not comment.is_deleted


def can_invite(user: User, client: Client, role: str | None = None) -> bool:
    """Invite people into ``client`` as ``role`` (None: in any role at all).

    Admins, and the account manager or client services on the team, invite client admins
    and reviewers; the rest of the team (copywriters, creatives, strategists) invite
    reviewers only. A client's own client admins invite both into their organisation.
    """
    if user.is_client:
        return user.is_client_admin and user.client_id == client.id
    if not can_work_on(user, client):
        return False
    return role != ClientRole.ADMIN or user.role in ACCOUNT_LEADS


def can_see_people(user: User, client: Client) -> bool:
    """See a client's people and the invitations pending: whoever may invite into it (its own
    client admins, its account team, agency admins)."""
    return can_invite(user, client)


def can_manage_people(user: User, client: Client) -> bool:
    """Deactivate and reactivate a client's people: its own client admins and agency admins."""
    return user.is_admin or (user.is_client_admin and user.client_id == client.id)


def can_view_as_people_of(user: User, client: Client) -> bool:
    """Read the portal as ``client``'s people ("view as client"): staff who may work on the
    live client (its team, and admins). Which of its people: ``may_view_as``."""
    return user.is_staff and not client.is_archived and can_work_on(user, client)


def may_view_as(user: User, client: Client, person: User) -> bool:
    """Read the portal as ``person`` of ``client``, read-only: staff who may view as the
    people of ``client``, as one of its active client users; never as staff, nor as someone
    who couldn't sign in."""
    return (
        person.is_client
        and person.client_id == client.id
        and person.active
        and can_view_as_people_of(user, client)
    )


def invitable_roles(user: User, client: Client) -> list[ClientRole]:
    """The client roles ``user`` may invite into ``client``, for the invitation form."""
    return [
        role for role in (ClientRole.MEMBER, ClientRole.ADMIN) if can_invite(user, client, role)
    ]


def can_see_health(user: User, client: Client | None = None) -> bool:
    """Read relationship health (of ``client``, or of any client at all)."""
    if client is None:
        if user.is_admin or (user.is_staff and user.role in ACCOUNT_LEADS):
            return True
        return user.is_staff and bool(db.session.scalar(select(health_client_ids(user).exists())))
    return bool(db.session.scalar(health_client_ids(user).where(Client.id == client.id)))


def can_administer(user: User) -> bool:
    """Run the agency: clients, teams, people, staff invitations, the outbox and the jobs."""
    return user.is_admin


def admin_required(view):
    """Let only agency admins through; everyone else logged in gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        require(can_administer(current_user))
        return view(*args, **kwargs)

    return wrapped


# The only routes a guest may reach; the views' own checks (above) narrow them to the
# guest's draft. Anything else, now or added later, answers a guest 404.
GUEST_ENDPOINTS = frozenset(
    {
        "static",
        "home.healthz",
        "auth.logout",
        "guests.open_link",
        "drafts.show",
        "drafts.compare",
        "drafts.decide",
        "drafts.file",
        "drafts.download",
        "drafts.page_image",
        "drafts.stage",
        "drafts.thumbnail",
        "threads.show",
        "threads.post",
        "threads.since",
        "threads.older",
        "threads.read",
        "threads.follow",
        "threads.edit",
        "threads.delete",
        "threads.resolve",
        "threads.reopen",
    }
)


def guest_gate() -> None:
    """Answer 404 to a guest asking for any route outside ``GUEST_ENDPOINTS``."""
    outside = request.endpoint not in GUEST_ENDPOINTS
    if outside and current_user.is_authenticated and current_user.is_guest:
        refuse(404)


TEMPLATE_CHECKS = (
    can_administer,
    can_decide,
    can_delete,
    can_edit,
    can_invite,
    can_invite_guests,
    can_manage_people,
    can_nudge,
    can_post_staff_note,
    can_promote,
    can_reply_to,
    can_resolve,
    can_see_client_pages,
    can_see_health,
    can_see_overdue_reviews,
    can_set_review_due,
    can_view_as_people_of,
    can_work_on,
    can_write_staff_notes,
)


def init_app(app) -> None:
    """Make the permission checks template globals, so buttons follow the same rules."""
    app.jinja_env.globals.update({check.__name__: check for check in TEMPLATE_CHECKS})
    app.before_request(guest_gate)
