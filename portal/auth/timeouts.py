"""How long a signed-in session lasts (ASVS 5.0, V7.3), enforced by the server, not only by
the browser's cookie expiry.

The time of the password sign-in travels in the session id (``"<user>:<version>:<signed in>"``),
so it is in the session and in the "keep me signed in" cookie alike, and no session, nor a
copied cookie, outlives ``REMEMBER_COOKIE_DURATION`` from it (``within_longest_lifetime``, checked
by the user loader). A session without "keep me signed in" ends sooner: after
``SESSION_IDLE_TIMEOUT`` without a request, or ``SESSION_LIFETIME`` after the sign-in
(``end_stale_session``, before every request).
"""

import time
from collections.abc import MutableMapping

from flask import current_app, flash, session
from flask_login import current_user, logout_user

# The last request is noted at most this often, so the session cookie is not rewritten by
# every request.
SEEN_EVERY_SECONDS = 60


def stamp(signed_in: MutableMapping, user_id: str, kept: bool) -> None:
    """Note in the session ``signed_in`` just started for ``user_id`` (``User.get_id``) when it
    started, and whether it is to be kept ("keep me signed in")."""
    now = int(time.time())
    signed_in["_user_id"] = f"{user_id}:{now}"
    signed_in["kept"], signed_in["seen_at"] = kept, now


def within_longest_lifetime(signed_in_at: str) -> bool:
    """Whether a session signed in at ``signed_in_at`` (Unix seconds, as the id spells them)
    may still be used."""
    if not (signed_in_at.isascii() and signed_in_at.isdigit() and len(signed_in_at) <= 12):
        return False
    longest = current_app.config["REMEMBER_COOKIE_DURATION"].total_seconds()
    return time.time() - int(signed_in_at) <= longest


def end_stale_session() -> None:
    """Sign out a session past its idle timeout or its lifetime; note this request otherwise.

    A session the "keep me signed in" cookie has just brought back is kept, as asked.
    """
    if "_user_id" not in session or not current_user.is_authenticated:
        return
    now = int(time.time())
    if "seen_at" not in session:
        session["kept"], session["seen_at"] = True, now
        return
    if not session.get("kept") and _is_stale(now):
        session.clear()
        logout_user()
        flash("You were signed out after a while away. Sign in again to go on.", "info")
        return
    if now - session["seen_at"] >= SEEN_EVERY_SECONDS:
        session["seen_at"] = now


def _is_stale(now: int) -> bool:
    config = current_app.config
    signed_in_at = int(session["_user_id"].rsplit(":", 1)[1])
    return (
        now - session["seen_at"] > config["SESSION_IDLE_TIMEOUT"].total_seconds()
        or now - signed_in_at > config["SESSION_LIFETIME"].total_seconds()
    )


def init_app(app) -> None:
    app.before_request(end_stale_session)
