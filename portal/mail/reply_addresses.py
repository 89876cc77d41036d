"""Reply addresses: ``reply+<token>@<REPLY_DOMAIN>``, one per person and thread.

The token is ``<user id>-<thread id>-<signature>``: the signature is an HMAC under
``SECRET_KEY`` of the person, the thread and the person's ``reply_key_version``, cut to 80
bits and spelled in lower-case base32 (mail servers may fold the case of a local part). A
token is bound to one person and one thread; bumping the person's version (from their account
page, or as they are deactivated) revokes every address they were ever sent at once.

Like the secret links of ``portal.mail.secret_links``, a reply address is a credential (with
the person's From address it posts as them), so the outbox never stores one: a message holds
the placeholder ``[[reply-address <user id> <thread id> <signature>]]``, which becomes the
address, at the person's current version, only as the message is sent. The placeholder is
signed too: bodies also hold what people typed, and a placeholder typed there stays text.
"""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

from portal.extensions import db
from portal.models import Thread, User

REDACTED_TOKEN = "redacted"
_PLACEHOLDER = re.compile(
    r"\[\[reply-address (?P<user>\d{1,12}) (?P<thread>\d{1,12}) (?P<signature>[0-9a-f]{32})\]\]"
)
# How many revoked key versions a token is still recognised at (and answered "revoked").
KNOWN_OLD_VERSIONS = 10
_TOKEN = re.compile(r"(?P<user>\d{1,12})-(?P<thread>\d{1,12})-(?P<signature>[a-z2-7]{16})")


def reply_domain() -> str:
    """The domain reply addresses are at: ``REPLY_DOMAIN``, else ``PUBLIC_URL``'s host."""
    config = current_app.config
    return (config["REPLY_DOMAIN"] or urlsplit(config["PUBLIC_URL"]).hostname or "").lower()


def reply_placeholder(user_id: int, thread_id: int) -> str:
    """What an outbox message holds where ``user_id``'s reply address for ``thread_id`` goes."""
    return f"[[reply-address {user_id} {thread_id} {_placeholder_signature(user_id, thread_id)}]]"


def _mac(message: str) -> bytes:
    return hmac.new(current_app.secret_key.encode(), message.encode(), hashlib.sha256).digest()


def _placeholder_signature(user_id: int, thread_id: int) -> str:
    return _mac(f"reply-address-placeholder:{user_id}:{thread_id}").hex()[:32]


def _ours(match: re.Match) -> bool:
    """Whether the placeholder ``match`` was written by ``reply_placeholder``."""
    expected = _placeholder_signature(int(match["user"]), int(match["thread"]))
    return hmac.compare_digest(match["signature"], expected)


def _signature(user_id: int, thread_id: int, version: int) -> str:
    digest = _mac(f"reply-address:{user_id}:{thread_id}:{version}")[:10]
    return base64.b32encode(digest).decode().lower()


def reply_address(user: User, thread_id: int) -> str:
    """``user``'s working reply address for ``thread_id``, at their current key version."""
    signature = _signature(user.id, thread_id, user.reply_key_version)
    return f"reply+{user.id}-{thread_id}-{signature}@{reply_domain()}"


def reveal_reply_addresses(body: str) -> str:
    """``body`` with each placeholder made its working address: what is sent."""

    def address(match: re.Match) -> str:
        if not _ours(match):
            return match[0]
        user = db.session.get(User, int(match["user"]))
        return reply_address(user, int(match["thread"])) if user else ""

    return _PLACEHOLDER.sub(address, body)


def redact_reply_addresses(body: str) -> str:
    """``body`` with each placeholder made an address whose token is ``REDACTED_TOKEN``."""
    redacted = f"reply+{REDACTED_TOKEN}@{reply_domain()}"
    return _PLACEHOLDER.sub(lambda match: redacted if _ours(match) else match[0], body)


@dataclass(frozen=True)
class ReplyToken:
    """What a reply address names: a person and a thread, and whether its signature is the
    current one (``revoked``: it was good at an earlier key version)."""

    user: User
    thread: Thread
    revoked: bool


def reply_token_in(address: str) -> str | None:
    """The token of ``address`` if it is a reply address at our domain, else None."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    prefix, plus, token = local.partition("+")
    if domain.lower() != reply_domain() or prefix.lower() != "reply" or not plus:
        return None
    return token.lower()


def read_reply_token(token: str) -> ReplyToken | None:
    """The person and thread ``token`` was made for, or None if it is no token of ours (a
    forgery, a typo, a person or thread since deleted)."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    user = db.session.get(User, int(match["user"]))
    thread = db.session.get(Thread, int(match["thread"]))
    if user is None or thread is None:
        return None
    oldest = max(user.reply_key_version - KNOWN_OLD_VERSIONS, 1)
    for version in range(user.reply_key_version, oldest - 1, -1):
        expected = _signature(user.id, thread.id, version)
        if hmac.compare_digest(expected, match["signature"]):
            return ReplyToken(user, thread, revoked=version != user.reply_key_version)
    return None


def revoke_reply_addresses(user: User) -> None:
    """Make every reply address ``user`` was sent stop working; new e-mail carries new ones."""
    user.reply_key_version += 1
