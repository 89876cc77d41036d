"""What the draft page shows, gathered in a fixed number of queries whatever the thread's size."""

from dataclasses import dataclass

from flask import render_template
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import access
from portal.drafts import services
from portal.drafts.forms import DecisionForm
from portal.drafts.status import DraftState, draft_states
from portal.extensions import db
from portal.models import Client, Comment, Decision, Draft, FeedbackItem, Thread, User, Version
from portal.threads.services import CommentPage, comment_page


@dataclass
class DraftPage:
    client: Client
    draft: Draft
    versions: list[Version]
    version: Version | None
    state: DraftState
    thread: Thread
    comments: CommentPage
    anchored: list[Comment]
    checklist: list[FeedbackItem]
    decisions: list[Decision]
    decision_log: list
    can_work: bool
    can_decide: bool
    viewer_id: int

    @property
    def is_current(self) -> bool:
        return self.version is not None and self.version.id == self.versions[-1].id

    @property
    def my_decision(self) -> Decision | None:
        return next((d for d in self.decisions if d.user_id == self.viewer_id), None)

    @property
    def pins(self) -> list[tuple[int, Comment]]:
        """Point comments on this version, numbered in the order they were made."""
        points = [c for c in self.anchored if c.anchor.get("type") == "point"]
        return list(enumerate(points, start=1))

    @property
    def pin_numbers(self) -> dict[int, int]:
        return {comment.id: number for number, comment in self.pins}

    @property
    def highlighted_copy(self) -> Markup:
        passages = [c for c in self.anchored if c.anchor.get("type") == "passage"]
        return highlighted_copy(self.version.body or "", passages)


def anchored_comments(user: User, version: Version) -> list[Comment]:
    """The comments ``user`` may see that point into ``version``, oldest first."""
    return db.session.scalars(
        access.visible_comments(user)
        .options(joinedload(Comment.author))
        .where(
            Comment.version_id == version.id,
            Comment.anchor.is_not(None),
            Comment.deleted_at.is_(None),
        )
        .order_by(Comment.id)
    ).all()


def current_decisions(version: Version) -> list[Decision]:
    """Each reviewer's current decision on ``version``, with who made it."""
    return db.session.scalars(
        select(Decision)
        .options(joinedload(Decision.user))
        .where(Decision.version_id == version.id, Decision.superseded_at.is_(None))
        .order_by(Decision.created_at)
    ).all()


def draft_page(user: User, client: Client, draft: Draft, number: int | None) -> DraftPage:
    """Everything the draft page shows, for version ``number`` (default: the newest)."""
    versions = services.versions_of(draft)
    version = next((v for v in versions if v.number == number), None) if number else None
    version = version or (versions[-1] if versions else None)
    thread = services.draft_thread(draft)
    return DraftPage(
        client=client,
        draft=draft,
        versions=versions,
        version=version,
        state=draft_states([draft])[draft.id],
        thread=thread,
        comments=comment_page(user, thread),
        anchored=anchored_comments(user, version) if version else [],
        checklist=services.feedback_checklist(version) if version else [],
        decisions=current_decisions(version) if version else [],
        decision_log=services.decision_log(draft),
        can_work=access.can_work_on(user, client),
        can_decide=access.can_decide(user, draft),
        viewer_id=user.id,
    )


def render_draft_page(client, draft, number, *, comment_form, decision_form=None) -> str:
    """The draft page for version ``number``, with the given (maybe invalid) forms."""
    return render_template(
        "drafts/show.html",
        page=draft_page(current_user, client, draft, number),
        form=comment_form,
        decision_form=decision_form or DecisionForm(),
    )


def highlighted_copy(body: str, passages: list[Comment]) -> Markup:
    """The copy as escaped text, each commented passage wrapped in a ``<mark>``.

    The text content stays exactly ``body``, so offsets picked in the browser match it.
    Passages overlapping an earlier one are left unmarked (their comments still quote them).
    """
    pieces, position = [], 0
    for comment in sorted(passages, key=lambda c: (c.anchor["start"], c.id)):
        start, end = comment.anchor["start"], comment.anchor["end"]
        if start < position or end > len(body):
            continue
        pieces.append(escape(body[position:start]))
        pieces.append(
            Markup('<mark class="passage" data-comment="{}">{}</mark>').format(
                comment.id, body[start:end]
            )
        )
        position = end
    pieces.append(escape(body[position:]))
    return Markup("").join(pieces)
