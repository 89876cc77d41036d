"""A draft's reviewers: the client users whose decisions it waits for, under its approval rule."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import DraftReviewer, User


def reviewer_ids(draft_id: int) -> list[int]:
    """The ids of the active users reviewing draft ``draft_id``, in id order."""
    return db.session.scalars(
        select(DraftReviewer.user_id)
        .join(User, User.id == DraftReviewer.user_id)
        .where(DraftReviewer.draft_id == draft_id, User.active)
        .order_by(DraftReviewer.user_id)
    ).all()
