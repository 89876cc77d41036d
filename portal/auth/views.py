"""Signing in and out, and resetting a forgotten password."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.actions import form_action
from portal.auth import services
from portal.auth.devices import remember_device
from portal.auth.forms import LoginForm, NewPasswordForm, ResetRequestForm
from portal.extensions import db
from portal.logs import security_event
from portal.ratelimits import guarded, guarded_sign_in
from portal.urls import safe_next_url
from portal.view_as.mode import signed_in_person, viewing_as
from portal.view_as.services import stop_viewing_as

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@guarded_sign_in
def login():
    """Show the sign-in form; sign in on a valid POST."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.errors else 200
    user = services.authenticate(form.email.data, form.password.data)
    if user is None:
        db.session.commit()
        security_event("sign_in_failed", account=form.email.data)
        flash("That e-mail and password don't match an active account.", "error")
        return render_template("auth/login.html", form=form), 401
    services.start_session(user, remember=form.remember.data)
    db.session.commit()
    response = redirect(safe_next_url(request.args.get("next")) or url_for("home.index"))
    remember_device(response, user)
    return response


@bp.post("/logout")
@login_required
def logout():
    """Sign out of every device at once (which ends viewing as someone, too)."""
    person = signed_in_person()
    viewing = viewing_as()
    if viewing is not None:
        stop_viewing_as(viewing, reason="signed_out")
    services.end_all_sessions(person)
    db.session.commit()
    flash("You're signed out.", "info")
    return redirect(url_for("auth.login"))


RESET_SENT = "If that address has an account, we've sent it a link to choose a new password."


@bp.route("/reset", methods=["GET", "POST"])
@guarded
def request_reset():
    """Ask for a password-reset link; the answer is the same for every address."""
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return render_template("auth/reset_request.html", form=form), 422 if form.errors else 200
    services.request_password_reset(form.email.data)
    db.session.commit()
    flash(RESET_SENT, "info")
    return redirect(url_for("auth.login"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
@guarded
def reset_password(token):
    """Choose a new password through an e-mailed link."""
    services.find_password_reset(token)
    form = NewPasswordForm()
    if form.validate_on_submit():
        with form_action(form, "password") as action:
            services.reset_password(token, form.password.data, form.confirm.data)
        if action.ok:
            flash("Your password is changed. Sign in with the new one.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, token=token), form.status
