"""A draft's reviewers: the client users whose decisions it waits for, under its approval rule.

Only active reviewers count: a deactivated one keeps their row (and their decisions in the
log) but is neither shown as pending nor waited for.
"""

from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select

from portal.errors import InvalidInput
from portal.events import record_event
from portal.extensions import db
from portal.models import ApprovalRule, Client, Decision, Draft, DraftReviewer, User, UserKind


def reviewer_ids(draft_id: int) -> list[int]:
    """The ids of the active users reviewing draft ``draft_id``, in id order."""
    return db.session.scalars(
        select(DraftReviewer.user_id)
        .join(User, User.id == DraftReviewer.user_id)
        .where(DraftReviewer.draft_id == draft_id, User.active)
        .order_by(DraftReviewer.user_id)
    ).all()


# Built once, as the draft page's other statements (portal.drafts.services).
REVIEWER_IDS_OF_DRAFTS = (
    select(DraftReviewer.draft_id, DraftReviewer.user_id)
    .join(User, User.id == DraftReviewer.user_id)
    .where(DraftReviewer.draft_id.in_(bindparam("draft_ids", expanding=True)), User.active)
    .order_by(DraftReviewer.user_id)
)
REVIEWERS_OF_DRAFT = (
    select(User)
    .join(DraftReviewer, DraftReviewer.user_id == User.id)
    .where(DraftReviewer.draft_id == bindparam("draft_id"), User.active)
    .order_by(User.name, User.id)
)


def reviewer_ids_by_draft(draft_ids: list[int]) -> dict[int, list[int]]:
    """For each of ``draft_ids`` that has any, its active reviewers' ids: one query."""
    by_draft: dict[int, list[int]] = {}
    for draft_id, user_id in db.session.execute(
        REVIEWER_IDS_OF_DRAFTS, {"draft_ids": list(draft_ids)}
    ):
        by_draft.setdefault(draft_id, []).append(user_id)
    return by_draft


def reviewers_of(draft: Draft) -> list[User]:
    """``draft``'s active reviewers, by name."""
    return db.session.scalars(REVIEWERS_OF_DRAFT, {"draft_id": draft.id}).all()


def client_people(client_id: int) -> list[User]:
    """The active users of client ``client_id``, by name: who may review its drafts."""
    return db.session.scalars(
        select(User)
        .where(User.client_id == client_id, User.kind == UserKind.CLIENT, User.active)
        .order_by(User.name, User.id)
    ).all()


def check_reviewers(
    client_id: int, user_ids: list[int], rule: str, final_approver_id: int | None
) -> list[int]:
    """The distinct reviewer ids, once checked; raise InvalidInput unless each is an active
    user of client ``client_id``, ``rule`` is an approval rule and, under the final-approver
    rule, ``final_approver_id`` is one of them."""
    if rule not in set(ApprovalRule):
        raise InvalidInput("Choose how the draft gets approved.", field="approval_rule")
    chosen = set(user_ids)
    if not {u.id for u in client_people(client_id)} >= chosen:
        raise InvalidInput(
            "Reviewers have to be people of this client with access to the portal.",
            field="reviewer_ids",
        )
    if rule == ApprovalRule.FINAL and final_approver_id not in chosen:
        raise InvalidInput(
            "Name the final approver, one of the reviewers.", field="final_approver_id"
        )
    return sorted(chosen)


def assign_reviewers(
    draft: Draft, user_ids: list[int], rule: str, final_approver_id: int | None
) -> list[int]:
    """Make ``user_ids`` the reviewers of ``draft`` under ``rule``, once checked (see
    ``check_reviewers``, which raises InvalidInput); the caller records the event. Returns
    the reviewers' ids."""
    chosen = check_reviewers(draft.client_id, user_ids, rule, final_approver_id)
    draft.approval_rule = rule
    draft.final_approver_id = final_approver_id if rule == ApprovalRule.FINAL else None
    # Guests who may decide stay reviewers until their link is revoked (portal.guests).
    guests = select(User.id).where(User.kind == UserKind.GUEST)
    db.session.execute(
        delete(DraftReviewer).where(
            DraftReviewer.draft_id == draft.id, DraftReviewer.user_id.not_in(guests)
        )
    )
    db.session.add_all(DraftReviewer(draft_id=draft.id, user_id=user_id) for user_id in chosen)
    db.session.flush()
    return chosen


def change_reviewers(
    actor: User, draft: Draft, user_ids: list[int], rule: str, final_approver_id: int | None
) -> None:
    """Change who reviews ``draft`` and how their verdicts combine; the status follows.

    Raises InvalidInput for anyone who isn't an active user of the draft's client, an
    unknown rule, or a final approver who isn't among the reviewers."""
    chosen = assign_reviewers(draft, user_ids, rule, final_approver_id)
    record_event("reviewers_changed", actor=actor, subject=draft, client_id=draft.client_id,
                 client_visible=True, rule=rule, reviewers=chosen,
                 final_approver=draft.final_approver_id)  # fmt: skip


def set_default_rule(actor: User, client: Client, rule: str) -> None:
    """Make ``rule`` the approval rule ``client``'s new drafts start with (InvalidInput if
    it is none). Drafts already made keep theirs."""
    if rule not in set(ApprovalRule):
        raise InvalidInput("Choose how new drafts get approved.", field="approval_rule")
    client.approval_rule = rule
    record_event("approval_rule_set", actor=actor, subject=client, client_id=client.id,
                 client_visible=False, rule=rule)  # fmt: skip


@dataclass(frozen=True)
class ReviewerStatus:
    """One line of the decision panel: a person and their current decision, if any."""

    user: User
    decision: Decision | None
    is_reviewer: bool
    is_final_approver: bool = False

    @property
    def status(self) -> str:
        """``approved``, ``changes_requested`` or ``pending``: a class for the dot."""
        return self.decision.verdict if self.decision else "pending"

    @property
    def label(self) -> str:
        return self.decision.verdict_label if self.decision else "Not yet"


def reviewer_statuses(
    draft: Draft, reviewers: list[User], decisions: list[Decision], *, with_pending: bool = True
) -> list[ReviewerStatus]:
    """Each of ``reviewers`` with their decision among ``decisions`` (with ``with_pending``,
    those yet to decide too), then the decisions of anyone else of the client, who is shown
    but not counted by every rule."""
    by_user = {decision.user_id: decision for decision in decisions}
    final_id = draft.final_approver_id if draft.approval_rule == ApprovalRule.FINAL else None
    listed = [
        ReviewerStatus(user, by_user.pop(user.id, None), True, user.id == final_id)
        for user in reviewers
        if with_pending or user.id in by_user
    ]
    return listed + [ReviewerStatus(d.user, d, False) for d in by_user.values()]
