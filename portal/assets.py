"""Static files under versioned URLs: kept by browsers for a year, fetched again once they change.

Every ``url_for('static', filename=...)`` gets ``?v=`` and the first 12 hex digits of the
file's SHA-256 (a URL default, so templates write ``url_for`` as usual). A request whose ``v``
matches the file as it is now is answered ``Cache-Control: public, max-age=31536000,
immutable``. Without ``v``, or with a stale one (a page rendered before a deploy), the answer
keeps Flask's ``no-cache`` and its ETag, so the browser checks it again.

A static answer never carries the session: no ``Set-Cookie`` and no ``Vary: Cookie`` (which
Flask adds once anything, such as Flask-Login, looks into the session), so a shared cache may
keep one copy for everyone.

A file is hashed once; it is hashed again only when its size or modification time changes,
so an edit in development gets a new URL without a restart.
"""

import hashlib
import os

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"

# Absolute path -> ((mtime_ns, size), version); only files that exist under a static folder.
_versions: dict[str, tuple[tuple[int, int], str]] = {}


def static_version(static_folder: str, filename: str) -> str | None:
    """The version of ``filename`` under ``static_folder``, or None if no such file is there."""
    path = safe_join(static_folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _versions.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        with open(path, "rb") as file:
            version = hashlib.file_digest(file, "sha256").hexdigest()[:12]
    except OSError:  # a directory, or gone since the stat
        return None
    _versions[path] = (stamp, version)
    return version


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, left out of static answers."""

    def save_session(self, app, session, response):
        if request.endpoint != "static":
            super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Version the static URLs and let browsers keep what a current version names."""
    app.session_interface = SessionInterface()

    @app.url_defaults
    def _version_static_urls(endpoint, values):
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = static_version(app.static_folder, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def _cache_current_versions(response):
        if request.endpoint == "static" and response.status_code in (200, 206, 304):
            asked = request.args.get("v")
            filename = (request.view_args or {}).get("filename", "")
            if asked and asked == static_version(app.static_folder, filename):
                response.headers["Cache-Control"] = IMMUTABLE
        return response
