"""A review's due time on the draft page, and nudging a reviewer who hasn't decided."""

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user, login_required

from portal import access
from portal.actions import form_action, is_partial
from portal.drafts.forms import reviewers_form_for
from portal.drafts.pages import render_decision_answer
from portal.errors import DomainError
from portal.extensions import db
from portal.reminders import due, services
from portal.reminders.forms import ReviewDueForm

bp = Blueprint("reminders", __name__, url_prefix="/clients/<slug>")


@bp.post("/drafts/<int:draft_id>/review-due")
@login_required
def set_review_due(slug, draft_id):
    """Staff on the account set, change or clear when the current version's review is due."""
    client = access.get_client_or_404(current_user, slug)
    draft = access.get_draft_or_404(current_user, client, draft_id)
    access.require(access.can_set_review_due(current_user, client))
    form = ReviewDueForm()
    if form.validate_on_submit():
        with form_action(form, "review_due") as action:
            due_at = due.parse_review_due(form.review_due.data, current_user)
            due.set_review_due(current_user, draft, due_at)
        if action.ok:
            notice = "Saved the due date." if due_at else "The review has no due date now."
            return _answer(client, draft, notice=notice)
    return _answer(
        client, draft, status=form.status, due_error=" ".join(form.review_due.errors),
        due_value=form.review_due.data,
    )  # fmt: skip


@bp.post("/drafts/<int:draft_id>/reviewers/<int:user_id>/nudge")
@login_required
def nudge(slug, draft_id, user_id):
    """Staff on the account send a reviewer who hasn't decided one reminder now (once a day:
    409 otherwise)."""
    client = access.get_client_or_404(current_user, slug)
    draft = access.get_draft_or_404(current_user, client, draft_id)
    access.require(access.can_nudge(current_user, client))
    reviewer = access.get_person_or_404(current_user, client, user_id)
    try:
        services.nudge_reviewer(current_user, draft, reviewer)
    except DomainError as refusal:
        db.session.rollback()
        return _answer(client, draft, status=refusal.status_code, notice=refusal.message)
    db.session.commit()
    return _answer(client, draft, notice=f"Sent {reviewer.name} a reminder.")


def _answer(client, draft, *, status=200, notice="", **panel):
    """The decision panel for htmx (its notice in it); without JavaScript, the draft page
    again after a success (the notice flashed), or with the refusal."""
    if status == 200 and not is_partial():
        flash(notice, "success")
        return redirect(url_for("drafts.show", slug=client.slug, draft_id=draft.id))
    return render_decision_answer(
        client, draft, reviewers_form=reviewers_form_for(draft), panel_notice=notice, **panel
    ), status
