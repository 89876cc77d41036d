"""The inbox: what is waiting on you."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from portal.access import visible_clients
from portal.extensions import db
from portal.inbox.services import LIMIT, inbox_for

bp = Blueprint("inbox", __name__)


@bp.get("/inbox")
@login_required
def index():
    """Clients: versions to decide and questions for them. Staff: client comments without an
    answer, oldest first, and drafts to revise. Everyone: unread threads."""
    clients = {c.id: c for c in db.session.scalars(visible_clients(current_user))}
    return render_template(
        "inbox/index.html", inbox=inbox_for(current_user), clients=clients, limit=LIMIT
    )
