"""What the draft page shows, gathered in a fixed number of queries whatever the thread's size."""

from dataclasses import dataclass, field

from flask import render_template
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from portal import access
from portal.actions import is_partial
from portal.drafts import services
from portal.drafts.forms import DecisionForm, reviewers_form_for
from portal.drafts.reviewers import ReviewerStatus, reviewer_statuses, reviewers_of
from portal.drafts.stages import Stage
from portal.drafts.status import (
    DraftState,
    DraftStatus,
    derive_state,
    unanswered_client_comment_times,
)
from portal.extensions import db
from portal.guests.forms import GuestForm
from portal.guests.services import guests_of
from portal.models import (
    Client,
    Comment,
    Decision,
    Draft,
    DraftKind,
    FeedbackItem,
    Thread,
    User,
    Version,
    attributed_name_of,
)
from portal.reminders.due import due_field_value, is_overdue
from portal.threads.forms import CommentForm
from portal.threads.services import CommentPage, comment_page
from portal.threads.versions import VersionLabels

# The most pins or highlighted passages drawn on one version (the newest, up to the last
# comment shown): past that the picture is unreadable anyway, and each comment still says
# where it points.
MAX_MARKERS = 100


@dataclass(frozen=True)
class Marker:
    """A pin or a highlighted passage on the version: only what drawing it takes, no body.

    ``number`` is its place among the version's markers the viewer may see, oldest first,
    so pin 3 stays pin 3 however long the thread grows. ``shown`` says whether its comment
    is on the page of the thread shown below the version (else the pin links to that page).
    """

    comment_id: int
    number: int
    author_name: str
    shown: bool
    x: float | None = None
    y: float | None = None
    # An area's size; a PDF pin's page.
    w: float | None = None
    h: float | None = None
    page: int | None = None
    start: int | None = None
    end: int | None = None

    @property
    def is_area(self) -> bool:
        return self.w is not None


@dataclass
class DraftPage:
    client: Client
    draft: Draft
    versions: list[Version]
    version: Version | None
    state: DraftState
    thread: Thread
    comments: CommentPage
    markers: list[Marker]
    checklist: list[FeedbackItem]
    decisions: list[Decision]
    decision_log: list
    can_work: bool
    can_decide: bool
    viewer_id: int
    focus_id: int | None = None
    # The draft's active reviewers, by name.
    reviewers: list[User] = field(default_factory=list)
    # Whether the thread below shows only the comments made on ``version``.
    only_this_version: bool = False
    # The review's due time as the viewer's date-and-time field shows it; whether the viewer
    # may change it and nudge the reviewers who haven't decided.
    review_due_value: str = ""
    can_set_review_due: bool = False
    can_nudge: bool = False

    @property
    def review_overdue(self) -> bool:
        """The current version is still in review past its due time."""
        return self.state.status == DraftStatus.IN_REVIEW and is_overdue(self.draft)

    @property
    def is_current(self) -> bool:
        return self.version is not None and self.version.id == self.versions[-1].id

    @property
    def my_decision(self) -> Decision | None:
        return next((d for d in self.decisions if d.user_id == self.viewer_id), None)

    @property
    def reviewer_statuses(self) -> list[ReviewerStatus]:
        """The decision panel's people: on the newest version every reviewer, decided or
        not, then anyone else who decided; on an older one who decided on it."""
        return reviewer_statuses(
            self.draft, self.reviewers, self.decisions, with_pending=self.is_current
        )

    @property
    def labels(self) -> VersionLabels:
        return VersionLabels.of(self.versions)

    @property
    def pins(self) -> list[Marker]:
        """The pins and areas drawn on an image or a PDF's pages, oldest first."""
        return [marker for marker in self.markers if marker.x is not None]

    @property
    def stage(self) -> Stage:
        return Stage(self.client, self.draft, self.version, self.is_current, self.pins)

    @property
    def pin_numbers(self) -> dict[int, int]:
        return {marker.comment_id: marker.number for marker in self.pins}

    @property
    def highlighted_copy(self) -> Markup:
        passages = [marker for marker in self.markers if marker.start is not None]
        return highlighted_copy(self.version.body or "", passages)


def _marked_anchor_types(draft: Draft, version: Version) -> tuple[str, ...]:
    # What the stage draws: passages in copy, pins and areas on an image or a PDF's pages.
    if draft.kind == DraftKind.COPY:
        return ("passage",)
    return ("point", "rect") if version.is_image or version.is_pdf else ()


def anchored_markers(
    user: User, draft: Draft, version: Version, shown_ids: set[int], up_to_id: int | None = None
) -> list[Marker]:
    """The pins or passages of the newest ``MAX_MARKERS`` comments ``user`` may see on
    ``version`` (made up to comment ``up_to_id``, if given), oldest first, in one light query.

    Each is numbered by how many of them there are up to it, so the numbers don't depend on
    the cap; ``shown_ids`` are the comments on the page of the thread shown.
    """
    anchor_types = _marked_anchor_types(draft, version)
    if not anchor_types:
        return []
    anchor = Comment.anchor
    if anchor_types == ("passage",):
        coordinates = ("start", "end")
        places = [anchor[name].as_integer() for name in coordinates]
    else:
        coordinates = ("x", "y", "w", "h", "page")
        places = [anchor[name].as_float() for name in coordinates[:4]]
        places.append(anchor["page"].as_integer())
    query = (
        access.visible_comments(user)
        .join(User, User.id == Comment.author_id)
        # The count runs over every matching comment, before the limit.
        .with_only_columns(Comment.id, func.count().over(), attributed_name_of(User), *places)
        .where(
            Comment.version_id == version.id,
            anchor.is_not(None),
            anchor["type"].as_string().in_(anchor_types),
            Comment.deleted_at.is_(None),
        )
        .order_by(Comment.id.desc())
        .limit(MAX_MARKERS)
    )
    if up_to_id is not None:
        query = query.where(Comment.id <= up_to_id)
    newest_first = [
        Marker(
            comment_id,
            total - newer,
            author_name,
            comment_id in shown_ids,
            **dict(zip(coordinates, place, strict=True)),
        )
        for newer, (comment_id, total, author_name, *place) in enumerate(db.session.execute(query))
    ]
    return newest_first[::-1]


# Built once, as the draft page's other statements (portal.drafts.services).
CURRENT_DECISIONS_ON_VERSION = (
    select(Decision)
    .options(joinedload(Decision.user))
    .where(Decision.version_id == bindparam("version_id"), Decision.superseded_at.is_(None))
    .order_by(Decision.created_at)
)


def version_stage(
    user: User, client: Client, draft: Draft, version: Version, *, is_current: bool
) -> Stage:
    """``version``'s picture with the pins ``user`` may see (each linking to the draft page)."""
    pins = anchored_markers(user, draft, version, shown_ids=set())
    return Stage(client, draft, version, is_current, pins)


def current_decisions(version: Version) -> list[Decision]:
    """Each reviewer's current decision on ``version``, with who made it."""
    return db.session.scalars(CURRENT_DECISIONS_ON_VERSION, {"version_id": version.id}).all()


def draft_page(
    user: User,
    client: Client,
    draft: Draft,
    number: int | None,
    focus_id: int | None = None,
    only_this_version: bool = False,
) -> DraftPage:
    """Everything the draft page shows, for version ``number`` (default: the newest); with
    ``focus_id``, the page of the thread that ends at that comment instead of the newest;
    with ``only_this_version``, only the comments made on that version."""
    versions = services.versions_of(draft)
    version = next((v for v in versions if v.number == number), None) if number else None
    version = version or (versions[-1] if versions else None)
    thread = services.draft_thread(draft)
    before_id = focus_id + 1 if focus_id else None
    only_this_version = only_this_version and version is not None
    comments = comment_page(
        user, thread, before_id=before_id, version_id=version.id if only_this_version else None
    )
    shown_ids = {comment.id for comment in comments.comments}
    decisions = current_decisions(version) if version else []
    latest = versions[-1] if versions else None
    on_latest = decisions if version is latest else current_decisions(latest) if latest else []
    unanswered_since = unanswered_client_comment_times([draft.id]).get(draft.id)
    reviewers = reviewers_of(draft)
    can_work = access.can_work_on(user, client)
    return DraftPage(
        client=client,
        draft=draft,
        versions=versions,
        version=version,
        state=derive_state(
            draft, latest, on_latest, unanswered_since, [reviewer.id for reviewer in reviewers]
        ),
        thread=thread,
        comments=comments,
        markers=anchored_markers(user, draft, version, shown_ids, focus_id) if version else [],
        checklist=services.feedback_checklist(version) if version else [],
        decisions=decisions,
        decision_log=services.decision_log(draft),
        can_work=can_work,
        can_set_review_due=can_work and access.can_set_review_due(user, client),
        can_nudge=can_work and access.can_nudge(user, client),
        review_due_value=due_field_value(draft, user),
        can_decide=access.can_decide(user, draft),
        viewer_id=user.id,
        focus_id=focus_id,
        reviewers=reviewers,
        only_this_version=only_this_version,
    )


def render_draft_page(
    client, draft, number, *, comment_form, decision_form=None, reviewers_form=None, focus_id=None,
    only_this_version=False, **panel,
) -> str:  # fmt: skip
    """The draft page for version ``number``, with the given (maybe invalid) forms; with
    ``focus_id``, its thread shown up to that comment; with ``only_this_version``, only the
    comments made on that version. ``panel`` goes to the decision panel's templates (a
    notice, a refused due date)."""
    return render_template(
        "drafts/show.html",
        page=draft_page(current_user, client, draft, number, focus_id, only_this_version),
        form=comment_form,
        decision_form=decision_form or DecisionForm(),
        reviewers_form=_reviewers_form(client, draft, reviewers_form),
        guests=guests_of(draft) if access.can_invite_guests(current_user, client) else None,
        guest_form=GuestForm(formdata=None),
        **panel,
    )


def render_decision_answer(client, draft, *, decision_form=None, reviewers_form=None, **panel):
    """The answer to a form of the decision panel where it doesn't redirect: for htmx, the
    panel (with the page's status line out of band); else the whole draft page. With the
    given (maybe invalid) forms; ``panel`` goes to the panel's templates."""
    if not is_partial():
        return render_draft_page(
            client, draft, None, comment_form=CommentForm(), decision_form=decision_form,
            reviewers_form=reviewers_form, **panel,
        )  # fmt: skip
    return render_template(
        "drafts/_partials/decision_answer.html",
        page=draft_page(current_user, client, draft, None),
        decision_form=decision_form or DecisionForm(),
        reviewers_form=_reviewers_form(client, draft, reviewers_form),
        **panel,
    )


def _reviewers_form(client, draft, given):
    """``given``, else the draft's reviewers form for those who may change it (else None)."""
    if given is not None or not access.can_work_on(current_user, client):
        return given
    return reviewers_form_for(draft)


def highlighted_copy(body: str, passages: list[Marker]) -> Markup:
    """The copy as escaped text, each commented passage wrapped in a ``<mark>``.

    The text content stays exactly ``body``, so offsets picked in the browser match it.
    Passages overlapping an earlier one are left unmarked (their comments still quote them).
    """
    pieces, position = [], 0
    for passage in sorted(passages, key=lambda p: (p.start, p.comment_id)):
        start, end = passage.start, passage.end
        if start < position or end > len(body):
            continue
        pieces.append(escape(body[position:start]))
        pieces.append(
            Markup('<mark class="passage" data-comment="{}">{}</mark>').format(
                passage.comment_id, body[start:end]
            )
        )
        position = end
    pieces.append(escape(body[position:]))
    return Markup("").join(pieces)
