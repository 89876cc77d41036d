"""Every model, imported here so Alembic and the app see the whole schema."""

from portal.columns import utcnow
from portal.models.client import Assignment, Client
from portal.models.email import EmailMessage, EmailStatus
from portal.models.event import Event
from portal.models.project import Project
from portal.models.token import Invitation, PasswordReset
from portal.models.user import ClientRole, StaffRole, User, UserKind, fold_email

__all__ = [
    "Assignment",
    "Client",
    "ClientRole",
    "EmailMessage",
    "EmailStatus",
    "Event",
    "Invitation",
    "PasswordReset",
    "Project",
    "StaffRole",
    "User",
    "UserKind",
    "fold_email",
    "utcnow",
]
