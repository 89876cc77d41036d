"""People: agency staff and client users."""

import re
import unicodedata
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, String, case, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

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
    # An outside reviewer of one draft at a time, through a GuestGrant; role "guest".
    GUEST = "guest"


GUEST_ROLE = "guest"


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


# "@copywriter" reaches whoever holds that role on the account team; no person has these.
ROLE_HANDLES = {
    "copywriter": StaffRole.COPYWRITER,
    "creative": StaffRole.CREATIVE,
    "designer": StaffRole.CREATIVE,
    "strategist": StaffRole.STRATEGIST,
    "account-manager": StaffRole.ACCOUNT_MANAGER,
    "accountmanager": StaffRole.ACCOUNT_MANAGER,
    "client-services": StaffRole.CLIENT_SERVICES,
    "clientservices": StaffRole.CLIENT_SERVICES,
}

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
    GUEST_ROLE: "Guest",
}


def fold_email(email: str) -> str:
    """The one spelling of an address we store and look up."""
    return email.strip().casefold()


MAX_HANDLE = 40
_NOT_IN_HANDLE = re.compile(r"[^a-z0-9_.-]+")


def handle_base(email: str) -> str:
    """The handle an address suggests: its local part without a ``+tag``, in the letters a
    mention is written with (``Zoë.O'Neil+news@…`` -> ``zoe.oneil``)."""
    local = fold_email(email).split("@", 1)[0].split("+", 1)[0]
    ascii_local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
    base = _NOT_IN_HANDLE.sub("", ascii_local).strip("_.-")[: MAX_HANDLE - 4].strip("_.-")
    return base or "person"


def first_free_handle(base: str, taken) -> str:
    """``base``, or ``base2``, ``base3``… whichever is not in ``taken`` nor a role's handle."""
    candidate, number = base, 1
    while candidate in taken or candidate in ROLE_HANDLES:
        number += 1
        candidate = f"{base}{number}"
    return candidate


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
    # How others @mention this person: unique, so "@jo" is one person even when jo@agency
    # and jo@client both work on an account. Given when the person is first stored.
    handle: Mapped[str] = mapped_column(String(MAX_HANDLE), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped to end every session and remember-me cookie of this user at once.
    session_version: Mapped[int] = mapped_column(default=1)
    # Signs this person's reply-by-e-mail addresses; bumped to revoke them all at once.
    reply_key_version: Mapped[int] = mapped_column(default=1, server_default="1")
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
    # For a guest, the GuestGrant their session was opened with (set as the session loads).
    guest_grant = None

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
    def is_guest(self) -> bool:
        return self.kind == UserKind.GUEST

    @property
    def attributed_name(self) -> str:
        """The name a comment or decision is signed with: a guest's says so."""
        return f"{self.name} (guest)" if self.is_guest else self.name

    @property
    def is_admin(self) -> bool:
        return self.is_staff and self.role == StaffRole.ADMIN

    @property
    def is_client_admin(self) -> bool:
        return self.is_client and self.role == ClientRole.ADMIN

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


def attributed_name_of(person) -> ColumnElement:
    """``User.attributed_name`` as SQL, of ``person`` (``User`` or an alias of it)."""
    return case((person.kind == UserKind.GUEST, person.name + " (guest)"), else_=person.name)


@event.listens_for(Session, "before_flush")
def _give_handles(session, _flush_context, _instances) -> None:
    """Give each new person a handle of their own: their address's ``handle_base``, with a
    number added when someone has it already."""
    newcomers = [o for o in session.new if isinstance(o, User) and not o.handle]
    if not newcomers:
        return
    given = {o.handle for o in session.new if isinstance(o, User) and o.handle}
    for user in newcomers:
        base = handle_base(user.email)
        with session.no_autoflush:
            taken = set(
                session.scalars(
                    select(User.handle).where(
                        User.handle.like(base.replace("_", "\\_") + "%", escape="\\")
                    )
                )
            )
        user.handle = first_free_handle(base, taken | given)
        given.add(user.handle)
