"""Starting "view as client" from a client's people page, stopping it from the banner (both
plain POST and redirect; htmx requests are told where to go), and the admins' log of its uses."""

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import current_user, login_required

from portal import access
from portal.actions import go_to
from portal.extensions import db
from portal.routing import page_number
from portal.urls import safe_next_url
from portal.view_as.mode import viewing_as
from portal.view_as.services import start_viewing_as, stop_viewing_as, view_as_log

bp = Blueprint("view_as", __name__)


@bp.post("/clients/<slug>/people/<int:user_id>/view-as")
@login_required
def start(slug, user_id):
    """Read the portal as this client user, read-only, starting at their client's home."""
    client = access.get_client_or_404(current_user, slug)
    person = access.get_person_or_404(current_user, client, user_id)
    access.require(access.may_view_as(current_user, client, person))
    start_viewing_as(current_user, person)
    db.session.commit()
    return go_to(url_for("clients.home", slug=client.slug))


@bp.post("/view-as/stop")
@login_required
def stop():
    """Stop viewing as someone; back to the page it was stopped on, now as oneself."""
    viewing = viewing_as()
    if viewing is not None:
        stop_viewing_as(viewing, reason="stopped")
        db.session.commit()
        flash(f"You stopped viewing as {viewing.label}.", "info")
    return go_to(safe_next_url(request.form.get("next")) or url_for("home.index"))


@bp.get("/admin/view-as")
@access.admin_required
def log():
    """Who viewed the portal as whom, when, and for how many pages, newest first."""
    events, readers = view_as_log(current_user, page_number())
    return render_template("view_as/log.html", events=events, readers=readers)
