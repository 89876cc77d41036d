"""Guest reviewers: staff share a draft from its page; the guest opens it from the link."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal import access
from portal.actions import flash_action, form_action, is_partial
from portal.guests import services
from portal.guests.forms import ConfirmGuestForm, GuestForm
from portal.ratelimits import guarded_link

bp = Blueprint("guests", __name__)


@bp.route("/guest/<token>", methods=["GET", "POST"])
@guarded_link
def open_link(token):
    """The link e-mailed to a guest: it asks for the address it was sent to, and the right
    one opens the draft. 404 for a link that opens nothing, 410 for one expired or revoked."""
    grant = services.grant_of_link(token)
    if services.is_open_here(grant):
        return _to_draft(*services.shared_draft(grant))
    form = ConfirmGuestForm()
    if form.validate_on_submit():
        with form_action(form, "email") as action:
            shared = services.confirm_guest(grant, form.email.data)
        if action.ok:
            return _to_draft(*shared)
    return render_template("guests/open.html", form=form), form.status


def _to_draft(client, draft):
    return redirect(url_for("drafts.show", slug=client.slug, draft_id=draft.id))


def _draft_to_share(slug, draft_id):
    """The client and draft, if ``current_user`` sees them (else 404) and may share it."""
    client = access.get_client_or_404(current_user, slug)
    draft = access.get_draft_or_404(current_user, client, draft_id)
    access.require(access.can_invite_guests(current_user, client))
    return client, draft


def _panel(client, draft, form, status=200):
    """The guests panel as a fragment, or (without htmx) a page of its own."""
    template = "guests/_partials/panel.html" if is_partial() else "guests/share.html"
    page = render_template(
        template, client=client, draft=draft, guests=services.guests_of(draft), guest_form=form
    )
    return page, status


@bp.post("/clients/<slug>/drafts/<int:draft_id>/guests")
@login_required
def invite(slug, draft_id):
    """Share the draft with a guest by e-mail."""
    client, draft = _draft_to_share(slug, draft_id)
    form = GuestForm()
    if form.validate_on_submit():
        with form_action(form, "email") as action:
            services.invite_guest(
                current_user,
                client,
                draft,
                name=form.name.data,
                email=form.email.data,
                may_decide=form.may_decide.data,
            )
        if action.ok:
            message = f"Sent {form.email.data} a link to this draft."
            if not is_partial():
                flash(message, "success")
                return redirect(
                    url_for("drafts.show", slug=slug, draft_id=draft.id, _anchor="guests")
                )
            form = GuestForm(formdata=None)
            form.sent = message
    return _panel(client, draft, form, form.status)


@bp.post("/clients/<slug>/drafts/<int:draft_id>/guests/<int:grant_id>/revoke")
@login_required
def revoke(slug, draft_id, grant_id):
    """Withdraw a guest's link: it and their session stop working at once."""
    client, draft = _draft_to_share(slug, draft_id)
    grant = services.get_grant_or_404(draft, grant_id)
    with flash_action():
        services.revoke_guest(current_user, draft, grant)
    if is_partial():
        return _panel(client, draft, GuestForm(formdata=None))
    flash("The guest's link no longer works.", "success")
    return redirect(url_for("drafts.show", slug=slug, draft_id=draft.id, _anchor="guests"))
