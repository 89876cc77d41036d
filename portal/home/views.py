"""Where each person lands after signing in."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import access
from portal.clients.services import project_counts
from portal.extensions import db
from portal.models import Assignment, StaffRole

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    """Clients go to their organisation's home, account managers to the health of their
    accounts; other staff see the clients they serve."""
    if current_user.is_client:
        return redirect(url_for("clients.home", slug=current_user.client.slug))
    if current_user.role == StaffRole.ACCOUNT_MANAGER:
        return redirect(url_for("health.index"))
    clients = db.session.scalars(access.visible_clients(current_user)).all()
    client_ids = [client.id for client in clients]
    my_assignments = {
        assignment.client_id: assignment
        for assignment in db.session.scalars(
            select(Assignment).where(
                Assignment.user_id == current_user.id, Assignment.client_id.in_(client_ids)
            )
        )
    }
    return render_template(
        "home/staff.html",
        clients=clients,
        project_counts=project_counts(client_ids),
        my_assignments=my_assignments,
    )


@bp.get("/healthz")
def healthz():
    """A liveness probe for load balancers: answers when the app and database respond."""
    db.session.execute(select(1))
    return {"status": "ok"}
