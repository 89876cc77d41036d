"""Whether a thread changed for a reader since their page was drawn, so that polling brings
edits, resolutions, deletions and, on a draft, decisions, reviewers and versions, besides
new comments."""

from sqlalchemy import func, select

from portal import access
from portal.extensions import db
from portal.models import Comment, Decision, DraftReviewer, Thread, User, Version


def live_stamp(user: User, thread: Thread) -> str:
    """A fingerprint of what ``user`` may see change in ``thread``, in one query: the count
    and revisions of their visible comments (every edit, resolve, deletion and sharing bumps
    a revision) and, on a draft, its newest decision and version and its reviewers. A
    staff-only change leaves a client's stamp as it was."""
    columns = [func.count(Comment.id), func.coalesce(func.sum(Comment.revision), 0)]
    if thread.draft_id is not None:
        for newest in (
            select(func.max(Decision.id)).where(Decision.draft_id == thread.draft_id),
            select(func.max(Version.id)).where(Version.draft_id == thread.draft_id),
            select(func.count()).where(DraftReviewer.draft_id == thread.draft_id),
        ):
            columns.append(newest.scalar_subquery())
    query = access.visible_comments(user, thread=thread).with_only_columns(*columns)
    return "-".join(str(value or 0) for value in db.session.execute(query).one())
