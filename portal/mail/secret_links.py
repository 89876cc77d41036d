"""Links that carry a secret (a password reset, an invitation) are never stored usable.

The outbox body holds a placeholder naming the link's page and a random seed; the link's token
is the HMAC of that seed under ``SECRET_KEY``, worked out again when the message is sent. The
database and its backups hold the seed and the token's hash, neither of which opens anything
without the key, which lives only in the processes' environment.

A placeholder is signed too (page and seed, under the key): the body also holds what people
typed (comments, titles, names), and a placeholder typed there is left as the text it is.
Unsigned, it became a link with a token worked out for the typist's own seed, to any page
(a page that takes no token was an error that stopped the delivery of the whole batch).

``shown`` decides what the outbox page and the log may show: the whole link in the embedded
mode, where a newcomer follows invitation and reset links from there; elsewhere the link with
``REDACTED`` in place of its token. Reply addresses (``portal.mail.reply_addresses``) are
placeholders too, revealed and redacted alongside.
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
from portal.mail.reply_addresses import redact_reply_addresses, reveal_reply_addresses
from portal.urls import public_url

REDACTED = "…redacted…"
_PLACEHOLDER = re.compile(
    r"\[\[secret-link (?P<endpoint>[\w.]+) (?P<seed>[\w-]+) (?P<signature>[0-9a-f]{32})\]\]"
)


def new_secret_link(endpoint: str) -> tuple[str, str]:
    """A placeholder for a link to ``endpoint`` (whose one argument is ``token``), to put in
    an e-mail's body, and the hash of the token it becomes, to store on the row it opens."""
    seed = secrets.token_urlsafe(16)
    placeholder = f"[[secret-link {endpoint} {seed} {_signature(endpoint, seed)}]]"
    return placeholder, hash_token(_token(seed))


def _mac(message: bytes) -> bytes:
    return hmac.new(current_app.secret_key.encode(), message, hashlib.sha256).digest()


def _token(seed: str) -> str:
    return base64.urlsafe_b64encode(_mac(b"secret-link:" + seed.encode())).rstrip(b"=").decode()


def _signature(endpoint: str, seed: str) -> str:
    return _mac(f"secret-link-placeholder:{endpoint} {seed}".encode()).hex()[:32]


def _ours(match: re.Match) -> bool:
    """Whether the placeholder ``match`` was written by ``new_secret_link``."""
    return hmac.compare_digest(match["signature"], _signature(match["endpoint"], match["seed"]))


def reveal(body: str | None, *, html: bool = False) -> str | None:
    """``body`` with each placeholder made the working link or address: what is sent."""
    if body is None:
        return None

    def link(match: re.Match) -> str:
        if not _ours(match):
            return match[0]
        url = public_url(match["endpoint"], token=_token(match["seed"]))
        return str(escape(url)) if html else url

    return reveal_reply_addresses(_PLACEHOLDER.sub(link, body))


def redact(body: str | None) -> str | None:
    """``body`` with each placeholder made its link with ``REDACTED`` for the token."""
    if body is None:
        return None
    body = _PLACEHOLDER.sub(
        lambda match: (
            public_url(match["endpoint"], token="-")[:-1] + REDACTED if _ours(match) else match[0]
        ),
        body,
    )
    return redact_reply_addresses(body)


def shown(body: str | None, *, html: bool = False) -> str | None:
    """``body`` (of an outbox message) as this mode may show it: the links in full in the
    embedded mode, else with their secrets redacted."""
    if is_embedded(current_app.config):
        return reveal(body, html=html)
    return redact(body)
