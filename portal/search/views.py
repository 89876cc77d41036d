"""The search page (the header's search box sends here)."""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from portal.errors import InvalidInput
from portal.routing import page_number
from portal.search import services

bp = Blueprint("search", __name__)


@bp.get("/search")
@login_required
def index():
    """Projects, drafts, threads and comments matching ``?q=`` (named things, then comments;
    newest first in each), ``?page=`` by page."""
    words = request.args.get("q", "")
    try:
        found = services.search(current_user, words, page_number())
    except InvalidInput as error:
        return render_template("search/index.html", words=words, problem=error.message), 422
    return render_template("search/index.html", words=found.words, found=found)
