"""The floors every page is compared with, served by gunicorn with the portal's own flags:
``tests.perf.bare:flask_app`` (a Flask "hello") and ``tests.perf.bare:raw_app`` (plain WSGI).
"""

from flask import Flask

HELLO = b"Hello, World!"

flask_app = Flask(__name__)


@flask_app.get("/")
def hello():
    """The least a Flask view can do."""
    return HELLO


def raw_app(environ, start_response):
    """The least a WSGI app can do."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(HELLO)))])
    return [HELLO]
