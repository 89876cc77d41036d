"""Inviting client users, and accepting any invitation."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal import access
from portal.auth.services import start_session
from portal.errors import DomainError, InvalidInput
from portal.extensions import db
from portal.invitations import services
from portal.invitations.forms import AcceptInvitationForm, client_invite_form
from portal.ratelimits import guarded

bp = Blueprint("invitations", __name__)


@bp.route("/clients/<slug>/invitations", methods=["GET", "POST"])
@login_required
@guarded
def invite_client_user(slug):
    """Invite someone into this client's organisation; lists invitations still pending."""
    client = access.get_client_or_404(current_user, slug)
    access.require(access.can_invite_client_users(current_user, client))
    form = client_invite_form()
    if form.validate_on_submit():
        try:
            invitation = services.invite_client_user(
                current_user, client, form.email.data, form.role.data
            )
        except DomainError as error:
            error.attach_to(form, "email")
        else:
            db.session.commit()
            flash(f"Invitation sent to {invitation.email}.", "success")
            return redirect(url_for(".invite_client_user", slug=client.slug))
    status = 422 if form.errors else 200
    return render_template(
        "invitations/client.html",
        client=client,
        form=form,
        pending=services.pending_invitations(client),
    ), status


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@guarded
def accept(token):
    """Accept an invitation: choose a name and password, and arrive signed in."""
    invitation = services.find_invitation(token)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(
                token, form.name.data, form.password.data, form.confirm.data
            )
        except InvalidInput as error:
            error.attach_to(form, "password")
        else:
            start_session(user, remember=False)
            db.session.commit()
            flash(f"Welcome to Portal, {user.name}.", "success")
            return redirect(url_for("home.index"))
    status = 422 if form.errors else 200
    return render_template(
        "invitations/accept.html", invitation=invitation, form=form, token=token
    ), status
