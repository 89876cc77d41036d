"""Guest reviewers: people outside the portal who review one draft from an e-mailed link."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class GuestGrant(db.Model):
    """One guest's access to one draft, through a link whose token is stored only hashed.

    The guest is a ``User`` of kind ``guest`` (no client, no password). A grant is live until
    it expires or staff revoke it; inviting the same address to the same draft again renews
    the grant with a new link, and the old link stops working.
    """

    __tablename__ = "guest_grants"
    __table_args__ = (UniqueConstraint("draft_id", "guest_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    guest_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A guest who may decide is one of the draft's reviewers while the grant is live.
    may_decide: Mapped[bool] = mapped_column(default=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    guest = relationship("User", foreign_keys=[guest_id], lazy="raise")

    def is_live(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or utcnow())
