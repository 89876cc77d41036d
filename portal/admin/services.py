"""Agency-wide administration of people and of the e-mail outbox."""

from sqlalchemy import func, select

from portal.counting import capped_count
from portal.errors import Conflict, InvalidInput
from portal.events import record_event
from portal.extensions import db
from portal.mail.delivery import retry_failed
from portal.mail.reply_addresses import revoke_reply_addresses
from portal.models import Client, EmailMessage, EmailStatus, StaffRole, User, UserKind


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        select(func.count()).where(
            User.role == StaffRole.ADMIN, User.active.is_(True), User.id != user.id
        )
    )


def change_staff_role(actor: User, user: User, role: str) -> None:
    """Give staff member ``user`` a new role; the last active admin keeps theirs."""
    if not user.is_staff:
        raise InvalidInput("Only staff have agency roles.")
    if role not in set(StaffRole):
        raise InvalidInput("Choose a staff role.")
    if user.role == StaffRole.ADMIN and role != StaffRole.ADMIN and not _other_active_admins(user):
        raise InvalidInput("The agency needs at least one admin.")
    record_event(
        "role_changed",
        actor=actor,
        subject=user,
        client_id=None,
        client_visible=False,
        old=user.role,
        new=role,
    )
    user.role = role


def set_user_active(actor: User, user: User, active: bool) -> None:
    """Deactivate a user (ending every session) or reactivate them."""
    if not active:
        if user.id == actor.id:
            raise InvalidInput("You can't deactivate your own account.")
        if user.is_admin and not _other_active_admins(user):
            raise InvalidInput("The agency needs at least one active admin.")
        user.end_all_sessions()
        revoke_reply_addresses(user)
    user.active = active
    record_event(
        "user_deactivated" if not active else "user_reactivated",
        actor=actor,
        subject=user,
        client_id=user.client_id,
        client_visible=False,
    )


# The people page's filter for the agency's own staff: no client's slug starts with "_".
AGENCY_STAFF = "_agency"


def people_page(page: int, organisation: Client | str | None = None, per_page: int = 50):
    """One page of everyone with an account, staff first, then by name: of one client
    ``organisation``, of the staff (``AGENCY_STAFF``), or of all (None). Guests are left out:
    they are listed, and revoked, on the draft shared with them."""
    query = (
        select(User)
        .where(User.kind != UserKind.GUEST)
        .order_by(User.kind.desc(), User.name, User.id)
    )
    if organisation == AGENCY_STAFF:
        query = query.where(User.kind == UserKind.STAFF)
    elif organisation is not None:
        query = query.where(User.client_id == organisation.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def outbox_page(page: int, status: str | None = None, per_page: int = 50):
    """One page of the e-mail outbox, newest first, of one ``status`` or of all."""
    query = select(EmailMessage).order_by(EmailMessage.created_at.desc(), EmailMessage.id.desc())
    if status is not None:
        query = query.where(EmailMessage.status == status)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def outbox_counts() -> dict[str, int]:
    """How many outbox messages there are of each status (every status, zeros included), each
    counted no further than just past ``portal.counting.COUNT_CAP``; in one statement."""
    of_status = {
        status: capped_count(select(EmailMessage.id).where(EmailMessage.status == status))
        for status in EmailStatus
    }
    row = db.session.execute(
        select(*(count.scalar_subquery() for count in of_status.values()))
    ).one()
    return dict(zip(of_status, row, strict=True))


def retry_email(actor: User, message: EmailMessage) -> None:
    """Give a permanently failed message a fresh set of attempts; delivery is queued on commit."""
    if message.status != EmailStatus.FAILED:
        raise Conflict(f"Only failed messages can be retried; this one is {message.status}.")
    retry_failed(message)
    record_event(
        "email_retried",
        actor=actor,
        subject=message,
        client_id=None,
        client_visible=False,
        to=message.to_address,
    )
