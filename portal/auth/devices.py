"""Devices a person has signed in from: a signed cookie naming the accounts that signed in
on it, which lets its holder past the account-wide sign-in limit, so that guesses sent from
elsewhere slow the guesser down and never lock the owner out (OWASP's "device cookies").

The cookie holds a digest of each folded address, never the address, and is signed with the
app's key: it proves a past sign-in on this device and nothing else.
"""

import hashlib
from datetime import timedelta

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.forms import strip_control_characters
from portal.models import User, fold_email

COOKIE = "portal_device"
LIFETIME = timedelta(days=365)
ACCOUNTS_KEPT = 5


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="known-device")


def _digest(email: str) -> str:
    folded = fold_email(strip_control_characters(email or ""))
    return hashlib.sha256(folded.encode()).hexdigest()[:32]


def _accounts_on_this_device() -> list[str]:
    token = request.cookies.get(COOKIE)
    if not token:
        return []
    try:
        accounts = _serializer().loads(token, max_age=LIFETIME.total_seconds())
    except BadSignature:
        return []
    return accounts if isinstance(accounts, list) else []


def is_known_device() -> bool:
    """Whether the account the sign-in form names has signed in on this device before."""
    return _digest(request.form.get("email", "")) in _accounts_on_this_device()


def remember_device(response: Response, user: User) -> None:
    """Add ``user`` to this device's cookie (the last few accounts are kept)."""
    digest = _digest(user.email)
    accounts = [known for known in _accounts_on_this_device() if known != digest]
    response.set_cookie(
        COOKIE,
        _serializer().dumps([*accounts[-(ACCOUNTS_KEPT - 1) :], digest]),
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
    )
