"""A person's own account: name, time zone and password."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.account.forms import EmailPreferencesForm, ProfileForm
from portal.actions import form_action
from portal.auth.forms import ChangePasswordForm
from portal.auth.services import change_password, start_session
from portal.digests.services import preview_digest
from portal.extensions import csrf, db
from portal.forms import PortalForm
from portal.logs import security_event
from portal.mail import reply_addresses
from portal.models import EmailFrequency
from portal.notifications.preferences import (
    StaleUnsubscribeLink,
    change_email_preferences,
    user_from_unsubscribe_token,
)
from portal.ratelimits import guarded

bp = Blueprint("account", __name__, url_prefix="/account")
# One-click unsubscribe sits outside /account: it works without signing in.
unsubscribe_bp = Blueprint("unsubscribe", __name__)


@bp.route("", methods=["GET", "POST"])
@login_required
def profile():
    """Change your name and time zone."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        current_user.name = form.name.data.strip()
        current_user.timezone = form.timezone.data
        db.session.commit()
        flash("Your profile is saved.", "success")
        return redirect(url_for(".profile"))
    return render_template("account/profile.html", form=form), form.status


@bp.post("/reply-addresses/revoke")
@login_required
def revoke_reply_addresses():
    """Turn off every reply-by-e-mail address you were sent; e-mail from now on has new ones."""
    form = PortalForm()
    if form.validate_on_submit():
        reply_addresses.revoke_reply_addresses(current_user)
        security_event("reply_addresses_revoked", user_id=current_user.id)
        db.session.commit()
        flash("Your old reply addresses no longer work. New e-mail has new ones.", "success")
    return redirect(url_for(".profile"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@guarded
def password():
    """Change your password; every other session of yours ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        with form_action(form, "password") as action:
            change_password(user, form.current.data, form.password.data, form.confirm.data)
            # This browser continues on a fresh session; every other one is now signed out.
            start_session(user, remember=False)
        if action.ok:
            flash("Your password is changed. Other devices are signed out.", "success")
            return redirect(url_for(".profile"))
    return render_template("account/password.html", form=form), form.status


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    """Choose how often e-mail comes, when the digest arrives, and the quiet hours."""
    user = current_user._get_current_object()
    form = EmailPreferencesForm(obj=user)
    if request.method == "GET":
        form.quiet_from.data = "" if user.quiet_from is None else str(user.quiet_from)
        form.quiet_until.data = "" if user.quiet_until is None else str(user.quiet_until)
    if form.validate_on_submit():
        change_email_preferences(
            user,
            frequency=form.email_frequency.data,
            digest_hour=form.digest_hour.data,
            digest_weekday=form.digest_weekday.data,
            quiet_hours=form.quiet_hours(),
        )
        db.session.commit()
        flash("Your e-mail preferences are saved.", "success")
        return redirect(url_for(".notifications"))
    return render_template("account/notifications.html", form=form), form.status


@bp.get("/digest")
@login_required
def digest_preview():
    """What your next digest will contain, if it went out now."""
    return render_template("account/digest_preview.html", digest=preview_digest(current_user))


@unsubscribe_bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token):
    """Turn all Portal e-mail off from a link in an e-mail.

    GET asks for confirmation (mail scanners open links); POST turns it off, including the
    RFC 8058 one-click POST that mail clients send, which carries no CSRF token: the signed
    token in the URL is the proof. A link past its age, or older than the person's last change
    of e-mail preferences, answers 410 with the way to the settings.
    """
    try:
        user = user_from_unsubscribe_token(token)
    except StaleUnsubscribeLink:
        return render_template("account/unsubscribe_expired.html"), 410
    if user is None:
        abort(404)
    if request.method == "POST":
        user.email_frequency = EmailFrequency.OFF
        db.session.commit()
        return render_template("account/unsubscribed.html", user=user)
    return render_template("account/unsubscribe.html", user=user, token=token)
