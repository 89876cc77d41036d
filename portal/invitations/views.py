"""Inviting client users, and accepting any invitation."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal import access
from portal.actions import form_action
from portal.auth.services import start_session
from portal.health.settings import agency_settings
from portal.invitations import services
from portal.invitations.forms import accept_invitation_form, client_invite_form
from portal.ratelimits import guarded

bp = Blueprint("invitations", __name__)


@bp.route("/clients/<slug>/invitations", methods=["GET", "POST"])
@login_required
@guarded
def invite_client_user(slug):
    """Invite someone into this client's organisation; lists invitations still pending."""
    client = access.get_client_or_404(current_user, slug)
    access.require(access.can_invite(current_user, client))
    form = client_invite_form(access.invitable_roles(current_user, client))
    if form.validate_on_submit():
        with form_action(form, "email") as action:
            invitation = services.invite_client_user(
                current_user, client, form.email.data, form.role.data
            )
        if action.ok:
            flash(f"Invitation sent to {invitation.email}.", "success")
            return redirect(url_for(".invite_client_user", slug=client.slug))
    return render_template(
        "invitations/client.html",
        client=client,
        form=form,
        pending=services.pending_invitations(client),
    ), form.status


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@guarded
def accept(token):
    """Accept an invitation: choose a name and password, and arrive signed in."""
    services.find_invitation(token)  # 410 for an unknown or spent link
    form = accept_invitation_form(agency_settings().timezone)
    if form.validate_on_submit():
        with form_action(form, "password") as action:
            user = services.accept_invitation(
                token, form.name.data, form.password.data, form.confirm.data, form.timezone.data
            )
            start_session(user, remember=False)
        if action.ok:
            flash(f"Welcome to Portal, {user.name}.", "success")
            return redirect(url_for("home.index"))
    return render_template(
        "invitations/accept.html",
        invitation=services.find_invitation(token),
        form=form,
        token=token,
    ), form.status
