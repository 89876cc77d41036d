"""Domain errors raised by services, and the pages shown for HTTP errors."""

import sqlite3

from flask import current_app, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from portal.extensions import db, login_manager
from portal.logs import security_event


class DomainError(Exception):
    """A rule of the domain refused the request; ``status_code`` is what the view answers."""

    status_code = 422

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def attach_to(self, form, default_field: str) -> None:
        """Show the message on the form field it concerns (or ``default_field``), and make
        the form answer with this error's status."""
        form[self.field or default_field].errors.append(self.message)
        form.refused_with = self.status_code


class InvalidInput(DomainError):
    """The request is well-formed but its content breaks a rule (422)."""


class Conflict(DomainError):
    """The request clashes with the current state, e.g. a duplicate (409)."""

    status_code = 409


class Gone(DomainError):
    """The thing asked for existed but is no longer usable, e.g. a spent token (410)."""

    status_code = 410


ERROR_MESSAGES = {
    400: ("Bad request", "The request could not be understood. Please try again."),
    403: ("Not allowed", "You don't have permission to do that."),
    404: ("Not found", "There's nothing here, or you don't have access to it."),
    405: ("Not allowed", "That action isn't available here."),
    409: ("Changed meanwhile", "Someone changed this at the same time. Reload and try again."),
    410: ("No longer available", "This link has expired or has already been used."),
    413: ("Too large", "That upload is larger than the portal accepts."),
    422: ("Can't do that", "Some of what you sent isn't valid."),
    429: ("Slow down", "Too many attempts. Please wait a minute and try again."),
    500: ("Something went wrong", "We've logged the problem. Please try again shortly."),
    503: ("Back in a moment", "The portal can't reach its database just now. Try again shortly."),
}
# What a client is told to wait before asking again, when the database is out of reach.
RETRY_AFTER_SECONDS = 30
# SQLite's codes for a database that can't be opened, read or written just now. Its other
# errors (a missing table, a mistake in SQL) are OperationalErrors too, and stay 500s.
SQLITE_UNAVAILABLE = frozenset(
    {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR,
     sqlite3.SQLITE_FULL}
)  # fmt: skip


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and not request.headers.get("HX-Request")


def render_error(status: int, message: str | None = None):
    """A friendly page (or JSON for API clients) for ``status``."""
    title, default_message = ERROR_MESSAGES.get(status, ERROR_MESSAGES[500])
    message = message or default_message
    if wants_json():
        return jsonify(error=title, message=message), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def database_unavailable(error: SQLAlchemyError) -> bool:
    """Whether ``error`` says the database can't be reached or can't answer now (down,
    restarting, refusing connections, no connection free, locked), rather than that the
    application asked it something wrong."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error.orig, sqlite3.Error):
        return ((error.orig.sqlite_errorcode or 0) & 0xFF) in SQLITE_UNAVAILABLE
    return isinstance(error, OperationalError)


def render_unavailable():
    """The 503 answer, with Retry-After. Its page stands alone, rendered without the app's
    template context: Flask-Login's would read the person signed in from the database."""
    title, message = ERROR_MESSAGES[503]
    if wants_json():
        response = jsonify(error=title, message=message)
    else:
        page = current_app.jinja_env.get_template("errors/unavailable.html")
        response = make_response(page.render(title=title, message=message))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def init_app(app) -> None:
    """Register the error pages."""

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return render_error(400, "Your form expired or came from elsewhere. Reload and resubmit.")

    @app.errorhandler(HTTPException)
    def _http_error(error):
        if error.code is None or error.code < 400:
            return error
        if error.code == 429:
            security_event("rate_limited")
        if error.code == 413:
            megabytes = (app.config["MAX_CONTENT_LENGTH"] or 0) // (1024 * 1024)
            return render_error(
                413,
                "That upload is larger than the portal accepts. "
                f"Files can be at most {megabytes} MB.",
            )
        return render_error(error.code)

    @app.errorhandler(DomainError)
    def _domain_error(error):
        db.session.rollback()
        return render_error(error.status_code, error.message)

    @app.errorhandler(DataError)
    def _unstorable_value(error):
        db.session.rollback()
        return render_error(
            422,
            "Some of what you sent can't be stored (a number too large, or "
            "characters that aren't text). Please check it and try again.",
        )

    @app.errorhandler(IntegrityError)
    def _simultaneous_change(error):
        # Two requests raced to write the same thing (a double click, two tabs): the loser's
        # transaction is rolled back and nothing of it is kept.
        db.session.rollback()
        return render_error(409)

    @app.errorhandler(SQLAlchemyError)
    def _database_error(error):
        if not database_unavailable(error):
            return _unexpected(error)
        db.session.rollback()
        app.logger.error("database unavailable on %s %s: %s", request.method, request.path, error)
        # The rest of the request runs as nobody, so that nothing asks the database who is
        # signed in again (the session keeps them signed in for the next request).
        login_manager._update_request_context_with_user()
        return render_unavailable()

    @app.teardown_appcontext
    def _end_the_session_though_the_database_went_away(error):
        # Runs before Flask-SQLAlchemy's own (registered earlier), whose rollback on a
        # connection the server is closing (a restart) raised after the answer was made,
        # turning the request's 503, or its 200, into a 500.
        try:
            db.session.remove()
        except SQLAlchemyError as failure:
            if not database_unavailable(failure):
                raise
            db.session.registry.clear()
            app.logger.warning("database went away as a request ended: %s", failure)

    @app.errorhandler(Exception)
    def _unexpected(error):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
