"""A person's own account: name, time zone and password."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal.account.forms import ProfileForm
from portal.auth.forms import ChangePasswordForm
from portal.auth.services import change_password, start_session
from portal.errors import InvalidInput
from portal.extensions import db
from portal.ratelimits import guarded

bp = Blueprint("account", __name__, url_prefix="/account")


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
    return render_template("account/profile.html", form=form), 422 if form.errors else 200


@bp.route("/password", methods=["GET", "POST"])
@login_required
@guarded
def password():
    """Change your password; every other session of yours ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_password(user, form.current.data, form.password.data, form.confirm.data)
        except InvalidInput as error:
            error.attach_to(form, "password")
        else:
            # This browser continues on a fresh session; every other one is now signed out.
            start_session(user, remember=False)
            db.session.commit()
            flash("Your password is changed. Other devices are signed out.", "success")
            return redirect(url_for(".profile"))
    return render_template("account/password.html", form=form), 422 if form.errors else 200
