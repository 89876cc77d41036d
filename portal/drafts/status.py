"""Where each draft stands: its review status and whose move it is, derived, never stored.

Status comes from the latest version, the current decisions on it and the draft's approval
rule over its reviewers; the move follows the status, unless a client comment still waits
for a staff answer.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased

from portal.drafts.reviewers import reviewer_ids_by_draft
from portal.extensions import db
from portal.models import (
    ApprovalRule,
    Decision,
    Draft,
    DraftReviewer,
    Thread,
    User,
    Verdict,
    Version,
)
from portal.threads.queries import unanswered_client_comments


class DraftStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"

    @property
    def label(self) -> str:
        return {
            "in_progress": "In progress",
            "in_review": "In review",
            "changes_requested": "Changes requested",
            "approved": "Approved",
        }[self.value]


class WhoseMove(StrEnum):
    CLIENT = "client"
    MAKER = "maker"
    STAFF = "staff"

    @property
    def label(self) -> str:
        return {
            "client": "Client to decide",
            "maker": "Maker to revise",
            "staff": "Staff to answer",
        }[self.value]


@dataclass(frozen=True)
class DraftState:
    """A draft's derived status, whose move it is, and since when."""

    status: DraftStatus
    whose_move: WhoseMove | None
    waiting_since: datetime | None
    latest_number: int | None
    latest: Version | None = None
    # Under the all-reviewers rule: how many of how many reviewers approved (else 0 of 0).
    approvals: int = 0
    approvals_needed: int = 0

    @property
    def label(self) -> str:
        """The status as people read it, e.g. "Changes requested"."""
        return self.status.label

    @property
    def progress_label(self) -> str:
        """While all reviewers' approvals are awaited, e.g. "2 of 3 approved"; else ""."""
        if self.status != DraftStatus.IN_REVIEW or not self.approvals_needed:
            return ""
        return f"{self.approvals} of {self.approvals_needed} approved"

    @property
    def move_label(self) -> str:
        """Whose move it is as people read it, or "" when nobody's (approved)."""
        return self.whose_move.label if self.whose_move else ""


def draft_states(drafts: list[Draft]) -> dict[int, DraftState]:
    """The derived state of each of ``drafts``, in a fixed number of queries.

    Status comes from the latest version, its current decisions and each draft's approval
    rule over its reviewers (see ``derive_state``). A client comment still without a staff
    answer makes it the staff's move whatever the status.
    """
    ids = [draft.id for draft in drafts]
    if not ids:
        return {}
    latest = (
        select(Version.draft_id, func.max(Version.number).label("number"))
        .where(Version.draft_id.in_(ids))
        .group_by(Version.draft_id)
        .subquery()
    )
    versions = {
        version.draft_id: version
        for version in db.session.scalars(
            select(Version).join(
                latest,
                (Version.draft_id == latest.c.draft_id) & (Version.number == latest.c.number),
            )
        )
    }
    decisions: dict[int, list[Decision]] = {}
    for decision in db.session.scalars(
        select(Decision).where(
            Decision.version_id.in_([v.id for v in versions.values()]),
            Decision.superseded_at.is_(None),
        )
    ):
        decisions.setdefault(decision.draft_id, []).append(decision)
    unanswered = unanswered_client_comment_times(ids)
    reviewers = reviewer_ids_by_draft(ids)
    return {
        draft.id: derive_state(
            draft,
            versions.get(draft.id),
            decisions.get(draft.id, []),
            unanswered.get(draft.id),
            reviewers.get(draft.id, []),
        )
        for draft in drafts
    }


def derive_state(
    draft: Draft,
    latest: Version | None,
    decisions: list[Decision],
    unanswered_since: datetime | None,
    reviewer_ids: Sequence[int] = (),
) -> DraftState:
    """``draft``'s state from its ``latest`` version, the current ``decisions`` on it, when
    its oldest client comment still without a staff answer was made (or None), and its
    active reviewers.

    Any one reviewer: a request for changes wins, else an approval approves (anyone of the
    client counts). All reviewers: a reviewer's request for changes wins; approved once each
    of them approved. Final approver: their verdict alone decides. Under the last two only
    reviewers' decisions count; without reviewers (or without the final approver among
    them) the draft follows the first rule.
    """
    approvals = needed = 0
    if latest is None:
        status, move, since = DraftStatus.IN_PROGRESS, WhoseMove.MAKER, draft.created_at
    else:
        counting = _counting_decisions(draft, decisions, reviewer_ids)
        changes = [d.created_at for d in counting if d.verdict == Verdict.CHANGES_REQUESTED]
        approved = [d.created_at for d in counting if d.verdict == Verdict.APPROVED]
        if draft.approval_rule == ApprovalRule.ALL and reviewer_ids:
            approvals, needed = len(approved), len(reviewer_ids)
        if changes:
            status, move, since = DraftStatus.CHANGES_REQUESTED, WhoseMove.MAKER, min(changes)
        elif approved and approvals == needed:
            # Approved since the approval that met the rule.
            status, move = DraftStatus.APPROVED, None
            since = max(approved) if needed else min(approved)
        else:
            status, move, since = DraftStatus.IN_REVIEW, WhoseMove.CLIENT, latest.created_at
    if unanswered_since is not None:
        move, since = WhoseMove.STAFF, unanswered_since
    number = latest.number if latest else None
    return DraftState(status, move, since, number, latest, approvals, needed)


def _counting_decisions(
    draft: Draft, decisions: list[Decision], reviewer_ids: Sequence[int]
) -> list[Decision]:
    """The decisions ``draft``'s approval rule counts."""
    if draft.approval_rule == ApprovalRule.ALL and reviewer_ids:
        return [d for d in decisions if d.user_id in reviewer_ids]
    if draft.approval_rule == ApprovalRule.FINAL and draft.final_approver_id in reviewer_ids:
        return [d for d in decisions if d.user_id == draft.final_approver_id]
    return decisions


# Built once: an alias derives its column collections on first use.
_REVIEWER, _REVIEWING, _DECISION = aliased(DraftReviewer), aliased(User), aliased(Decision)
_LATER_VERSION = aliased(Version)


def is_newest_version() -> ColumnElement[bool]:
    """A condition on a query of ``Version``: no later version of its draft exists (an index
    probe per version on (draft_id, number))."""
    return ~exists().where(
        _LATER_VERSION.draft_id == Version.draft_id, _LATER_VERSION.number > Version.number
    )


def _active_reviewer(draft_id, *where) -> ColumnElement[bool]:
    return exists().where(
        _REVIEWER.draft_id == draft_id,
        _REVIEWING.id == _REVIEWER.user_id,
        _REVIEWING.active,
        *where,
    )


def _decided(*where) -> ColumnElement[bool]:
    return exists().where(
        _DECISION.version_id == Version.id, _DECISION.superseded_at.is_(None), *where
    )


def awaits_decision_by(user: User) -> ColumnElement[bool]:
    """A condition on a query of a draft's newest ``Version`` joined to its ``Draft``: the
    draft is still in review and waits for ``user``'s decision (see ``awaits_decision_of``)."""
    return awaits_decision_of(user.id)


def awaits_decision_of(person_id) -> ColumnElement[bool]:
    """A condition on a query of a draft's newest ``Version`` joined to its ``Draft``: the
    draft is still in review and waits for the decision of person ``person_id`` (an id, or a
    column such as a reviewer row's ``user_id`` for many people at once), by the same rules
    as ``derive_state``.

    Any one reviewer (and the fallbacks to it): while nobody has decided. All reviewers:
    while that person, one of them, hasn't and no reviewer asked for changes. A final
    approver: while that person, one of the reviewers, hasn't and the final approver hasn't
    either.
    """
    all_rule = and_(Draft.approval_rule == ApprovalRule.ALL, _active_reviewer(Draft.id))
    final_rule = and_(
        Draft.approval_rule == ApprovalRule.FINAL,
        _active_reviewer(Draft.id, _REVIEWER.user_id == Draft.final_approver_id),
    )
    mine = and_(
        _active_reviewer(Draft.id, _REVIEWER.user_id == person_id),
        ~_decided(_DECISION.user_id == person_id),
    )
    return or_(
        and_(~all_rule, ~final_rule, ~_decided()),
        and_(
            all_rule,
            mine,
            ~_decided(
                _DECISION.verdict == Verdict.CHANGES_REQUESTED,
                _active_reviewer(_DECISION.draft_id, _REVIEWER.user_id == _DECISION.user_id),
            ),
        ),
        and_(final_rule, mine, ~_decided(_DECISION.user_id == Draft.final_approver_id)),
    )


def _oldest_unanswered_by_draft():
    unanswered = unanswered_client_comments().subquery()
    return (
        select(Thread.draft_id, func.min(unanswered.c.created_at))
        .join(unanswered, unanswered.c.thread_id == Thread.id)
        .where(Thread.draft_id.in_(bindparam("draft_ids", expanding=True)))
        .group_by(Thread.draft_id)
    )


# Every draft page and list asks it: built once, as building the subquery's columns cost
# more than running it.
OLDEST_UNANSWERED_BY_DRAFT = _oldest_unanswered_by_draft()


def unanswered_client_comment_times(draft_ids: list[int]) -> dict[int, datetime]:
    """For drafts whose thread has a client comment no staff has answered: when it was made."""
    rows = db.session.execute(OLDEST_UNANSWERED_BY_DRAFT, {"draft_ids": list(draft_ids)})
    return dict(rows.all())
