"""Where the portal's own log lines go.

In the embedded mode ``flask run`` shows them on the console: each e-mail in full as it is
"sent" (``portal.mail.delivery``), the periodic work (``portal.jobs.ticker``) and errors.
Without this the ``portal.*`` loggers would inherit the root logger's WARNING level and
Python's last-resort handler, and every INFO line would be dropped. Elsewhere logging is left
to the server that runs the app (gunicorn, the rq worker) and its own configuration.
"""

import logging

from flask.logging import default_handler

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
