"""Drafts, their versions, the feedback checklist and the clients' decisions."""

from datetime import date

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from portal import access
from portal.drafts import reviewers
from portal.drafts.processing import process_version
from portal.drafts.status import unanswered_client_comment_times
from portal.drafts.storage import StoredFile
from portal.errors import Conflict, InvalidInput
from portal.events import record_event
from portal.extensions import db
from portal.jobs import enqueue
from portal.models import (
    Assignment,
    Client,
    Comment,
    Decision,
    Draft,
    DraftKind,
    FeedbackItem,
    FeedbackStatus,
    Project,
    Thread,
    ThreadKind,
    User,
    UserKind,
    Verdict,
    Version,
    utcnow,
)
from portal.notifications.services import notify_decision, notify_version_ready
from portal.threads.queries import discussion_of

MAX_COPY_LENGTH = 200_000
DRAFTS_PER_PAGE = 25


def create_draft(
    actor: User,
    project: Project,
    *,
    title: str,
    kind: str,
    maker: User,
    due_date: date | None,
    reviewer_ids: list[int] | None = None,
    approval_rule: str | None = None,
    final_approver_id: int | None = None,
) -> Draft:
    """Create a draft under ``project`` with its discussion thread and its reviewers.

    Reviewers default to the client's active users, the rule to the client's default (see
    ``portal.drafts.reviewers.assign_reviewers`` for what it refuses).
    """
    title = title.strip()
    if not title:
        raise InvalidInput("Give the draft a title.")
    if kind not in set(DraftKind):
        raise InvalidInput("Choose copy, image, PDF or file.")
    if not db.session.scalar(
        select(func.count()).where(
            Assignment.client_id == project.client_id, Assignment.user_id == maker.id
        )
    ):
        raise InvalidInput("The maker has to be on this client's account team.")
    draft = Draft(
        client_id=project.client_id,
        project_id=project.id,
        title=title,
        kind=kind,
        maker_id=maker.id,
        due_date=due_date,
    )
    db.session.add(draft)
    db.session.flush()
    if reviewer_ids is None:
        reviewer_ids = [user.id for user in reviewers.client_people(project.client_id)]
    if approval_rule is None:
        approval_rule = db.session.get(Client, project.client_id).approval_rule
    reviewers.assign_reviewers(draft, reviewer_ids, approval_rule, final_approver_id)
    db.session.add(
        Thread(
            client_id=project.client_id,
            project_id=project.id,
            draft_id=draft.id,
            kind=ThreadKind.DRAFT,
            title=title,
            created_by_id=actor.id,
        )
    )
    record_event("draft_created", actor=actor, subject=draft, client_id=draft.client_id,
                 client_visible=True, title=title)  # fmt: skip
    return draft


# The draft page's own statements are built once, not on every page view: building a select
# with its loader options costs about as much as running it.
THREAD_OF_DRAFT = select(Thread).where(discussion_of(bindparam("draft_id")))
VERSIONS_OF_DRAFT = (
    select(Version)
    .options(joinedload(Version.author))
    .where(Version.draft_id == bindparam("draft_id"))
    .order_by(Version.number)
)
FEEDBACK_ON_VERSION = (
    select(FeedbackItem)
    .options(joinedload(FeedbackItem.comment).joinedload(Comment.author))
    .where(FeedbackItem.version_id == bindparam("version_id"))
    .order_by(FeedbackItem.comment_id)
)
DECISIONS_ON_DRAFT = (
    select(Decision, Version.number)
    .join(Version, Version.id == Decision.version_id)
    .options(joinedload(Decision.user))
    .where(Decision.draft_id == bindparam("draft_id"))
    .order_by(Decision.created_at.desc(), Decision.id.desc())
)


def draft_thread(draft: Draft) -> Thread:
    """The discussion thread of ``draft``."""
    return db.session.scalar(THREAD_OF_DRAFT, {"draft_id": draft.id})


def versions_of(draft: Draft) -> list[Version]:
    """Every version of ``draft``, oldest first, with their authors."""
    return db.session.scalars(VERSIONS_OF_DRAFT, {"draft_id": draft.id}).all()


def open_client_feedback(draft: Draft) -> list[Comment]:
    """Unresolved client comments on any version of ``draft``: what a new version must answer.

    Comments left "still open" by one version come up again for the next.
    """
    return db.session.scalars(
        select(Comment)
        .join(User, User.id == Comment.author_id)
        .join(Version, Version.id == Comment.version_id)
        .options(joinedload(Comment.author))
        .where(
            Version.draft_id == draft.id,
            Comment.deleted_at.is_(None),
            Comment.resolved_at.is_(None),
            Comment.reply_to_id.is_(None),
            User.kind == UserKind.CLIENT,
        )
        .order_by(Comment.id)
    ).all()


def add_version(
    actor: User,
    draft: Draft,
    *,
    note: str,
    body: str | None = None,
    stored: StoredFile | None = None,
    feedback: dict[int, tuple[str, str]] | None = None,
) -> Version:
    """Add the next version of ``draft``: copy ``body`` or an uploaded file.

    ``feedback`` says, for each open client comment on the previous version (by id), what
    this version did with it: (status, reason). A declined comment needs a reason.
    """
    if draft.kind == DraftKind.COPY:
        body = (body or "").replace("\r\n", "\n")
        if not body.strip():
            raise InvalidInput("Write the copy for this version.")
        if len(body) > MAX_COPY_LENGTH:
            raise InvalidInput("That copy is too long for one version.")
    elif stored is None:
        raise InvalidInput("Choose a file to upload.")
    previous = latest_version(draft)
    open_feedback = open_client_feedback(draft) if previous else []
    check_feedback(open_feedback, feedback or {})
    version = Version(
        draft_id=draft.id,
        client_id=draft.client_id,
        number=(previous.number + 1) if previous else 1,
        body=body if draft.kind == DraftKind.COPY else None,
        note=note.strip(),
        author_id=actor.id,
    )
    if stored is not None:
        version.file_hash = stored.file_hash
        version.original_name = stored.original_name
        version.mime_type = stored.mime_type
        version.size = stored.size
    db.session.add(version)
    db.session.flush()
    if stored is not None:
        enqueue(process_version, version.id, queue="slow")
    _record_feedback(version, open_feedback, feedback or {})
    record_event("version_added", actor=actor, subject=version, client_id=draft.client_id,
                 client_visible=True, draft_id=draft.id, number=version.number)  # fmt: skip
    notify_version_ready(version)
    return version


def check_feedback(open_comments: list[Comment], feedback: dict[int, tuple[str, str]]) -> None:
    """Raise InvalidInput unless each answer is a known status and each decline has a reason."""
    for comment in open_comments:
        status, reason = feedback.get(comment.id, (FeedbackStatus.OPEN, ""))
        if status not in set(FeedbackStatus):
            raise InvalidInput("Say for each comment whether it was addressed, declined or open.")
        if status == FeedbackStatus.DECLINED and not reason.strip():
            raise InvalidInput("Give the client a reason for each comment you decline.")


def _record_feedback(version, open_comments, feedback) -> None:
    for comment in open_comments:
        status, reason = feedback.get(comment.id, (FeedbackStatus.OPEN, ""))
        reason = reason.strip()
        db.session.add(
            FeedbackItem(version_id=version.id, comment_id=comment.id, status=status, reason=reason)
        )
        if status != FeedbackStatus.OPEN:
            comment.resolved_at = utcnow()
            comment.resolved_by_id = version.author_id


def feedback_checklist(version: Version) -> list[FeedbackItem]:
    """What this version did with the client's comments on the one before, in order."""
    return db.session.scalars(FEEDBACK_ON_VERSION, {"version_id": version.id}).all()


def latest_version(draft: Draft) -> Version | None:
    """The newest version of ``draft``, or None before the first."""
    return db.session.scalar(
        select(Version).where(Version.draft_id == draft.id).order_by(Version.number.desc())
    )


class OpenCommentsToConfirm(Conflict):
    """An approval while client comments on the draft still wait for an answer: the reviewer
    is asked to confirm it first (409); the message is the question, on the confirm field."""


def record_decision(
    actor: User, version: Version, verdict: str, note: str, *, confirmed: bool = True
) -> Decision:
    """Record a client reviewer's verdict on the current version; it replaces their earlier one.

    Unless ``confirmed``, an approval while client comments on the draft are still open
    raises OpenCommentsToConfirm; refusals raise InvalidInput or Conflict.
    """
    draft = db.session.get(Draft, version.draft_id)
    if not access.can_decide(actor, draft):
        raise InvalidInput("Only the client decides on a version.")
    if verdict not in set(Verdict):
        raise InvalidInput("Choose approve or request changes.")
    note = (note or "").strip()
    if verdict == Verdict.CHANGES_REQUESTED and not note:
        raise InvalidInput("Say what should change, so the team can act on it.")
    if latest_version(draft).id != version.id:
        raise Conflict("A newer version has arrived; decide on that one.")
    if (
        verdict == Verdict.APPROVED
        and not confirmed
        and unanswered_client_comment_times([draft.id])
    ):
        raise OpenCommentsToConfirm(
            "Some comments on this draft are still waiting for an answer from the team. "
            "Approve anyway?",
            field="confirm",
        )
    now = utcnow()
    earlier = db.session.scalar(
        select(Decision).where(
            Decision.version_id == version.id,
            Decision.user_id == actor.id,
            Decision.superseded_at.is_(None),
        )
    )
    if earlier is not None:
        earlier.superseded_at = now
        db.session.flush()
    decision = Decision(
        version_id=version.id,
        draft_id=version.draft_id,
        user_id=actor.id,
        verdict=verdict,
        note=note,
        created_at=now,
    )
    db.session.add(decision)
    db.session.flush()
    record_event("decision_made", actor=actor, subject=decision, client_id=version.client_id,
                 client_visible=True, draft_id=version.draft_id, version=version.number,
                 verdict=verdict)  # fmt: skip
    notify_decision(decision)
    return decision


def decision_log(draft: Draft) -> list[tuple[Decision, int]]:
    """Every decision ever made on ``draft`` with its version number, newest first."""
    return db.session.execute(DECISIONS_ON_DRAFT, {"draft_id": draft.id}).all()


def project_drafts(user: User, project: Project, page: int = 1, per_page: int = DRAFTS_PER_PAGE):
    """Page ``page`` of the drafts of ``project`` that ``user`` may see, with their makers, by
    title: a Flask-SQLAlchemy pagination (``items``, ``total``, ``pages``…); past the last
    page its ``items`` are empty."""
    return db.paginate(
        access.visible_drafts(user)
        .options(joinedload(Draft.maker))
        .where(Draft.project_id == project.id)
        .order_by(Draft.title, Draft.id),
        page=page,
        per_page=per_page,
        error_out=False,
    )
