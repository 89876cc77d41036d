"""Agency-wide administration of people."""

from sqlalchemy import func, select

from portal.errors import InvalidInput
from portal.events import record_event
from portal.extensions import db
from portal.models import StaffRole, User


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
    user.active = active
    record_event(
        "user_deactivated" if not active else "user_reactivated",
        actor=actor,
        subject=user,
        client_id=user.client_id,
        client_visible=False,
    )


def people_page(page: int, per_page: int = 50):
    """One page of everyone with an account, staff first, then by name."""
    return db.paginate(
        select(User).order_by(User.kind.desc(), User.name),
        page=page,
        per_page=per_page,
        error_out=False,
    )
