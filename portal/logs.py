"""Where the portal's own log lines go.

In the embedded mode ``flask run`` shows them on the console: each e-mail in full as it is
"sent" (``portal.mail.delivery``), the periodic work (``portal.jobs.ticker``) and errors.
Without this the ``portal.*`` loggers would inherit the root logger's WARNING level and
Python's last-resort handler, and every INFO line would be dropped. Elsewhere logging is left
to the server that runs the app (gunicorn, the rq worker) and its own configuration.
"""

import json
import logging

from flask import g, has_request_context, request
from flask.logging import default_handler
from flask_login import current_user

from portal.config import is_embedded


def log_to_console(app) -> None:
    """Have the app's logger (``portal``, parent of every ``portal.*`` logger) write INFO and
    above through Flask's own console handler. Adding that handler twice is a no-op."""
    app.logger.setLevel(logging.DEBUG if app.debug else logging.INFO)
    app.logger.addHandler(default_handler)


def init_app(app) -> None:
    """In the embedded mode, outside the test suite, log to the console."""
    if is_embedded(app.config) and not app.testing:
        log_to_console(app)


security_log = logging.getLogger("portal.security")


def security_event(event: str, **fields) -> None:
    """Write one structured line to the ``portal.security`` log: ``event=<event>`` and each
    field as ``key="value"``, with the signed-in user, method, path and client address of the
    request. Values are JSON strings, so no character a request sends can start a line."""
    if has_request_context():
        user = current_user.id if current_user and current_user.is_authenticated else None
        # While staff view as a client user (portal.view_as.mode), the staff member is the user.
        viewing = g.get("viewing_as")
        if viewing is not None:
            fields = {"viewing_as": viewing.reader.id} | fields
            user = viewing.staff.id
        fields = {"user": user, "method": request.method, "path": request.path,
                  "address": request.remote_addr} | fields  # fmt: skip
    pairs = " ".join(
        f"{key}={json.dumps(None if value is None else str(value))}"
        for key, value in fields.items()
    )
    security_log.warning("event=%s %s", event, pairs)
