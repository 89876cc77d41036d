"""Client organisations (the tenants) and the staff assigned to serve them."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.draft import ApprovalRule
from portal.models.types import UTCDateTime, utcnow


class Client(db.Model):
    """A client organisation: everything its users see hangs below it."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The approval rule new drafts start with.
    approval_rule: Mapped[str] = mapped_column(
        String(16), default=ApprovalRule.ANY, server_default=ApprovalRule.ANY.value
    )

    assignments = relationship(
        "Assignment", back_populates="client", lazy="raise", cascade="all, delete-orphan"
    )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def __repr__(self) -> str:
        return f"<Client {self.slug}>"


class Assignment(db.Model):
    """A staff member on a client's account team, with what they do for that client."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("client_id", "user_id"),
        Index(
            "uq_assignments_one_account_manager",
            "client_id",
            unique=True,
            sqlite_where=text("is_account_manager"),
            postgresql_where=text("is_account_manager"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    responsibility: Mapped[str] = mapped_column(String(200), default="")
    is_account_manager: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client = relationship("Client", back_populates="assignments", lazy="raise")
    user = relationship("User", lazy="raise")
