"""How a view carries out an action: one commit boundary, and one test for fragment requests.

A view validates its form, then runs the service inside ``form_action``. On success the
transaction commits; a ``DomainError`` rolls it back and lands on the form, whose ``status``
(409, 422) the view answers with the form shown again, so nothing typed is lost. Buttons
without a form of their own use ``flash_action``: the refusal is flashed instead.
"""

from flask import flash, make_response, redirect

from portal.errors import DomainError
from portal.extensions import db, htmx


def is_partial() -> bool:
    """Whether this is an htmx request for a fragment (not a boosted full-page request)."""
    return bool(htmx) and not htmx.boosted


def go_to(url: str):
    """Redirect; an htmx request is told to go there (a whole page, not a fragment)."""
    if not is_partial():
        return redirect(url)
    response = make_response("")
    response.headers["HX-Redirect"] = url
    return response


class Action:
    """The outcome of one ``with form_action(...)`` block: ``ok``, or the ``error`` shown."""

    def __init__(self, form=None, field: str = ""):
        self.form, self.field = form, field
        self.ok = False
        self.error: DomainError | None = None

    @property
    def status(self) -> int:
        """The refusal's HTTP status (409, 422), or 200."""
        return self.error.status_code if self.error else 200

    def __enter__(self) -> "Action":
        return self

    def __exit__(self, error_type, error, traceback) -> bool:
        if error is None:
            db.session.commit()
            self.ok = True
            return False
        db.session.rollback()
        if isinstance(error, DomainError):
            if self.form is None:
                flash(error.message, "error")
            else:
                error.attach_to(self.form, self.field)
            self.error = error
            return True
        return False


def undo(message: str, url: str, **fields) -> dict:
    """A success notice with an Undo button: a form posting ``fields`` to ``url`` (the action
    that puts back what was just done). Templates draw it with the ``undo_notice`` macro."""
    return {"text": message, "url": url, "fields": fields}


def flash_undo(message: str, url: str, **fields) -> None:
    """Flash ``message`` with an Undo button (see ``undo``)."""
    flash(undo(message, url, **fields), "success")


def form_action(form, field: str) -> Action:
    """Run the block's service calls as one transaction on behalf of ``form``.

    Commits when the block ends normally; on a ``DomainError`` rolls back, shows its message
    on the form (on its own field, else ``field``) and swallows it. Anything else rolls back
    and propagates.
    """
    return Action(form, field)


def flash_action() -> Action:
    """Like ``form_action``, for a button with no form to show: a refusal is flashed."""
    return Action()
