"""People: agency staff and client users."""

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class EmailFrequency(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"

    @property
    def label(self) -> str:
        return {
            "immediate": "As it happens (and a daily digest)",
            "daily": "A daily digest (mentions as they happen)",
            "weekly": "A weekly digest (mentions as they happen)",
            "off": "No e-mail at all",
        }[self.value]


class UserKind(StrEnum):
    STAFF = "staff"
    CLIENT = "client"


class StaffRole(StrEnum):
    ADMIN = "admin"
    ACCOUNT_MANAGER = "account_manager"
    CLIENT_SERVICES = "client_services"
    COPYWRITER = "copywriter"
    CREATIVE = "creative"
    STRATEGIST = "strategist"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


STAFF_ROLE_LABELS = {
    StaffRole.ADMIN: "Agency admin",
    StaffRole.ACCOUNT_MANAGER: "Account manager",
    StaffRole.CLIENT_SERVICES: "Client services",
    StaffRole.COPYWRITER: "Copywriter",
    StaffRole.CREATIVE: "Creative",
    StaffRole.STRATEGIST: "Strategist",
}


class ClientRole(StrEnum):
    ADMIN = "client_admin"
    MEMBER = "client_member"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    **STAFF_ROLE_LABELS,
    ClientRole.ADMIN: "Client admin",
    ClientRole.MEMBER: "Client reviewer",
}


def fold_email(email: str) -> str:
    """The one spelling of an address we store and look up."""
    return email.strip().casefold()


class User(UserMixin, db.Model):
    """A person who can log in: staff of the agency, or a user of one client organisation."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'client') = (client_id IS NOT NULL)", name="client_users_have_a_client"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped to end every session and remember-me cookie of this user at once.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # E-mail preferences: how often (immediate, daily, weekly, off), when (local hour and,
    # for weekly, weekday 0 = Monday), and the local hours to keep quiet.
    email_frequency: Mapped[str] = mapped_column(String(16), default=EmailFrequency.DAILY)
    digest_hour: Mapped[int] = mapped_column(default=8)
    digest_weekday: Mapped[int] = mapped_column(default=0)
    quiet_from: Mapped[int | None]
    quiet_until: Mapped[int | None]

    client = relationship("Client", foreign_keys=[client_id], lazy="raise")

    @validates("email")
    def _fold_email(self, _key, value: str) -> str:
        return fold_email(value)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def end_all_sessions(self) -> None:
        """Invalidate every session and remember cookie issued to this user so far."""
        self.session_version += 1

    @property
    def is_staff(self) -> bool:
        return self.kind == UserKind.STAFF

    @property
    def is_client(self) -> bool:
        return self.kind == UserKind.CLIENT

    @property
    def is_admin(self) -> bool:
        return self.is_staff and self.role == StaffRole.ADMIN

    @property
    def is_client_admin(self) -> bool:
        return self.is_client and self.role == ClientRole.ADMIN

    @property
    def handle(self) -> str:
        """How others @mention this person: the part of their address before the @."""
        return self.email.split("@", 1)[0]

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
