"""Rate limits for the endpoints that guess-and-check attacks aim at."""

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from portal.auth.devices import is_known_device
from portal.extensions import limiter
from portal.forms import strip_control_characters
from portal.models import fold_email


def _submitted_account() -> str:
    """Whose account a request is a guess at, spelled as the form will read it: control
    characters dropped and the address folded, so ``ada@…\x01`` counts as ``ada@…``. A
    signed-in person is counted as themselves, whatever address the form carries."""
    if request.view_args and "token" in request.view_args:
        return "token:" + request.view_args["token"][:64]
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    if request.form.get("email"):
        return "account:" + fold_email(strip_control_characters(request.form["email"]))
    return "account:"


def _submitted_account_from_here() -> str:
    return f"{_submitted_account()} from:{get_remote_address()}"


def _failed_sign_in(response: Response) -> bool:
    return response.status_code == 401


def _per_address() -> str:
    return current_app.config["RATELIMIT_PER_ADDRESS"]


def _per_account() -> str:
    return current_app.config["RATELIMIT_PER_ACCOUNT"]


def _per_account_anywhere() -> str:
    return current_app.config["RATELIMIT_PER_ACCOUNT_ANYWHERE"]


def guarded(view):
    """Limit POSTs to ``view`` per client address and per account: the token in
    the URL, the e-mail address submitted, or the signed-in user. Over the limit answers 429."""
    view = limiter.limit(_per_account, key_func=_submitted_account, methods=["POST"])(view)
    return limiter.limit(_per_address, methods=["POST"])(view)


def guarded_link(view):
    """Limit every request to a link carrying a secret (opening it, confirming it), per
    client address and per token: a guessed or forwarded link can't be tried at speed."""
    view = limiter.limit(_per_account, key_func=_submitted_account)(view)
    return limiter.limit(_per_address)(view)


def guarded_sign_in(view):
    """Limit sign-in POSTs per client address, and failed ones per account: from one address
    (``RATELIMIT_PER_ACCOUNT``), and from anywhere (``RATELIMIT_PER_ACCOUNT_ANYWHERE``) unless
    the device has signed in to that account before. Guesses slow down the guesser; the owner,
    signing in from elsewhere or from their own device, is not locked out by them."""
    view = limiter.limit(
        _per_account_anywhere,
        key_func=_submitted_account,
        methods=["POST"],
        deduct_when=_failed_sign_in,
        exempt_when=is_known_device,
    )(view)
    view = limiter.limit(
        _per_account,
        key_func=_submitted_account_from_here,
        methods=["POST"],
        deduct_when=_failed_sign_in,
    )(view)
    return limiter.limit(_per_address, methods=["POST"])(view)
