"""The inbox: what is waiting on you."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from portal.access import visible_clients
from portal.extensions import db
from portal.inbox.services import LIMIT, inbox_for
from portal.models import Client

bp = Blueprint("inbox", __name__)


@bp.get("/inbox")
@login_required
def index():
    """Clients: versions to decide and questions for them. Staff: client comments without an
    answer, oldest first, reviews past their due date, and drafts to revise. Everyone: unread
    threads."""
    inbox = inbox_for(current_user)
    # Only the clients of the items listed: an admin's inbox would otherwise load every client.
    listed = visible_clients(current_user).where(Client.id.in_(inbox.client_ids))
    clients = {client.id: client for client in db.session.scalars(listed)}
    return render_template("inbox/index.html", inbox=inbox, clients=clients, limit=LIMIT)
