"""Every model, imported here so Alembic and the app see the whole schema."""

from portal.models.client import Assignment, Client
from portal.models.digest import DigestRun
from portal.models.draft import (
    ApprovalRule,
    Decision,
    Draft,
    DraftKind,
    DraftReviewer,
    Verdict,
    Version,
)
from portal.models.email import EmailMessage, EmailStatus, ReceivedReply
from portal.models.event import Event
from portal.models.guest import GuestGrant
from portal.models.health import (
    AgencySettings,
    Band,
    HealthAlert,
    HealthSnapshot,
    Pulse,
    PulseRating,
)
from portal.models.project import Project
from portal.models.reminder import ReminderKind, ReviewReminder
from portal.models.review import ReviewNotice
from portal.models.thread import (
    Comment,
    FeedbackItem,
    FeedbackStatus,
    FollowLevel,
    Mention,
    Subscription,
    Thread,
    ThreadKind,
    ThreadParticipant,
)
from portal.models.token import Invitation, PasswordReset
from portal.models.types import utcnow
from portal.models.user import (
    GUEST_ROLE,
    ClientRole,
    EmailFrequency,
    StaffRole,
    User,
    UserKind,
    attributed_name_of,
    fold_email,
)

__all__ = [
    "GUEST_ROLE",
    "AgencySettings",
    "ApprovalRule",
    "Assignment",
    "Band",
    "Client",
    "ClientRole",
    "Comment",
    "Decision",
    "DigestRun",
    "Draft",
    "DraftKind",
    "DraftReviewer",
    "EmailFrequency",
    "EmailMessage",
    "EmailStatus",
    "Event",
    "FeedbackItem",
    "FeedbackStatus",
    "FollowLevel",
    "GuestGrant",
    "HealthAlert",
    "HealthSnapshot",
    "Invitation",
    "Mention",
    "PasswordReset",
    "Project",
    "Pulse",
    "PulseRating",
    "ReceivedReply",
    "ReminderKind",
    "ReviewNotice",
    "ReviewReminder",
    "StaffRole",
    "Subscription",
    "Thread",
    "ThreadKind",
    "ThreadParticipant",
    "User",
    "UserKind",
    "Verdict",
    "Version",
    "attributed_name_of",
    "fold_email",
    "utcnow",
]
