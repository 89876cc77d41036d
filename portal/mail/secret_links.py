"""Links that carry a secret (a password reset, an invitation) are never stored usable.

The outbox body holds a placeholder naming the link's page and a random seed; the link's token
is the HMAC of that seed under ``SECRET_KEY``, worked out again when the message is sent. The
database and its backups hold the seed and the token's hash, neither of which opens anything
without the key, which lives only in the processes' environment.

``shown`` decides what the outbox page and the log may show: the whole link in the embedded
mode, where a newcomer follows invitation and reset links from there; elsewhere the link with
``REDACTED`` in place of its token.
"""

import base64
import hashlib
import hmac
import re
import secrets

from flask import current_app
from markupsafe import escape

from portal.auth.tokens import hash_token
from portal.config import is_embedded
from portal.urls import public_url

REDACTED = "…redacted…"
_PLACEHOLDER = re.compile(r"\[\[secret-link (?P<endpoint>[\w.]+) (?P<seed>[\w-]+)\]\]")


def new_secret_link(endpoint: str) -> tuple[str, str]:
    """A placeholder for a link to ``endpoint`` (whose one argument is ``token``), to put in
    an e-mail's body, and the hash of the token it becomes, to store on the row it opens."""
    seed = secrets.token_urlsafe(16)
    return f"[[secret-link {endpoint} {seed}]]", hash_token(_token(seed))


def _token(seed: str) -> str:
    key = current_app.secret_key.encode()
    digest = hmac.new(key, b"secret-link:" + seed.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def reveal(body: str | None, *, html: bool = False) -> str | None:
    """``body`` with each placeholder made the working link: what is sent."""
    if body is None:
        return None

    def link(match: re.Match) -> str:
        url = public_url(match["endpoint"], token=_token(match["seed"]))
        return str(escape(url)) if html else url

    return _PLACEHOLDER.sub(link, body)


def redact(body: str | None) -> str | None:
    """``body`` with each placeholder made its link with ``REDACTED`` for the token."""
    if body is None:
        return None
    return _PLACEHOLDER.sub(
        lambda match: public_url(match["endpoint"], token="-")[:-1] + REDACTED, body
    )


def shown(body: str | None, *, html: bool = False) -> str | None:
    """``body`` (of an outbox message) as this mode may show it: the links in full in the
    embedded mode, else with their secrets redacted."""
    if is_embedded(current_app.config):
        return reveal(body, html=html)
    return redact(body)
