"""What a draft's discussion says about versions: which one each comment was made on, and
whether a quoted passage is still in the newest copy."""

from dataclasses import dataclass

from sqlalchemy import bindparam, select

from portal.extensions import db
from portal.models import Comment, Thread, Version


@dataclass(frozen=True)
class VersionLabels:
    numbers: dict[int, int]
    latest_id: int | None
    latest_copy: str | None

    @classmethod
    def of(cls, versions: list[Version]) -> "VersionLabels":
        """From a draft's versions, oldest first (as the draft page has them)."""
        latest = versions[-1] if versions else None
        return cls(
            {version.id: version.number for version in versions},
            latest.id if latest else None,
            latest.body if latest else None,
        )

    def number(self, comment: Comment) -> int | None:
        return self.numbers.get(comment.version_id)

    def quote_gone(self, comment: Comment) -> bool:
        """Whether ``comment`` quotes a passage of an older version that the newest copy no
        longer contains."""
        anchor = comment.anchor or {}
        return (
            anchor.get("type") == "passage"
            and comment.version_id != self.latest_id
            and self.latest_copy is not None
            and anchor.get("quote", "") not in self.latest_copy
        )


NUMBERS_OF_DRAFT = (
    select(Version.id, Version.number)
    .where(Version.draft_id == bindparam("draft_id"))
    .order_by(Version.number)
)
BODY_OF_VERSION = select(Version.body).where(Version.id == bindparam("version_id"))


def version_labels(thread: Thread) -> VersionLabels | None:
    """The labels of a draft discussion in two light queries; None for other threads."""
    if thread.draft_id is None:
        return None
    numbers = dict(db.session.execute(NUMBERS_OF_DRAFT, {"draft_id": thread.draft_id}).all())
    latest_id = next(reversed(numbers), None)
    latest_copy = (
        db.session.scalar(BODY_OF_VERSION, {"version_id": latest_id}) if latest_id else None
    )
    return VersionLabels(numbers, latest_id, latest_copy)
