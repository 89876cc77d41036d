"""Drafts (deliverables), their versions, and the clients' decisions on them."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class DraftKind(StrEnum):
    COPY = "copy"
    IMAGE = "image"
    PDF = "pdf"
    FILE = "file"

    @property
    def label(self) -> str:
        return {"copy": "Copy", "image": "Image", "pdf": "PDF", "file": "File"}[self.value]


class Verdict(StrEnum):
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"

    @property
    def label(self) -> str:
        return "Approved" if self is Verdict.APPROVED else "Changes requested"


class ApprovalRule(StrEnum):
    """Whose approvals approve a draft: any one reviewer's, every reviewer's, or one named
    final approver's."""

    ANY = "any"
    ALL = "all"
    FINAL = "final"

    @property
    def label(self) -> str:
        return {
            "any": "Any one reviewer",
            "all": "All reviewers",
            "final": "A final approver",
        }[self.value]


class Draft(db.Model):
    """A deliverable under a project, made by one staff member, reviewed version by version."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    maker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    due_date: Mapped[date | None]
    # When the client's decisions on the current version are due (its reviewers are
    # reminded before and after: portal.reminders); set again with each new version.
    review_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approval_rule: Mapped[str] = mapped_column(
        String(16), default=ApprovalRule.ANY, server_default=ApprovalRule.ANY.value
    )
    # Under the FINAL rule, the reviewer whose verdict decides.
    final_approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    project = relationship("Project", lazy="raise")
    maker = relationship("User", foreign_keys=[maker_id], lazy="raise")

    @property
    def rule_label(self) -> str:
        """How its approval rule reads, e.g. "All reviewers"."""
        return ApprovalRule(self.approval_rule).label


class DraftReviewer(db.Model):
    """A client user whose decision a draft waits for (under its approval rule)."""

    __tablename__ = "draft_reviewers"

    draft_id: Mapped[int] = mapped_column(
        ForeignKey("drafts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Version(db.Model):
    """One version of a draft: copy text written in the portal, or an uploaded file."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    number: Mapped[int]
    body: Mapped[str | None] = mapped_column(Text)
    file_hash: Mapped[str | None] = mapped_column(String(64))
    original_name: Mapped[str | None] = mapped_column(String(255))
    mime_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None]
    width: Mapped[int | None]
    height: Mapped[int | None]
    page_count: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    # Measured and previewed by a job after upload; until then pages show a placeholder.
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    thumbnail_hash: Mapped[str | None] = mapped_column(String(64))
    processing_error: Mapped[str | None] = mapped_column(String(255))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User", lazy="raise")

    @property
    def is_file(self) -> bool:
        return self.file_hash is not None

    @property
    def is_image(self) -> bool:
        return (self.mime_type or "").startswith("image/")

    @property
    def is_pdf(self) -> bool:
        return self.mime_type == "application/pdf"


class Decision(db.Model):
    """A client reviewer's verdict on a version; a later one supersedes theirs, kept for the log."""

    __tablename__ = "decisions"
    __table_args__ = (
        Index(
            "uq_decisions_current_per_reviewer",
            "version_id",
            "user_id",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
        # A version's first decision by a day, for relationship health.
        Index("ix_decisions_version_id_created_at", "version_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    verdict: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", lazy="raise")

    @property
    def verdict_label(self) -> str:
        return Verdict(self.verdict).label
