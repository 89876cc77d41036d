"""What of an e-mail the outbox page and the log may show: everything in the embedded mode,
where a newcomer follows invitation and reset links from there; elsewhere the secret in such
links is replaced by ``REDACTED``, so neither page nor log hands out a working credential.
"""

import re

from flask import current_app

from portal.config import is_embedded

# The pages whose URL carries a one-time secret as its last path segment.
SECRET_LINK_ENDPOINTS = ("auth.reset_password", "invitations.accept")
REDACTED = "…redacted…"
# What secrets.token_urlsafe writes, and what a signed token adds to it.
_TOKEN = r"[A-Za-z0-9_\-.]+"


def _secret_link_pattern(app) -> re.Pattern:
    pattern = app.extensions.get("secret_link_pattern")
    if pattern is None:
        prefixes = []
        for endpoint in SECRET_LINK_ENDPOINTS:
            for rule in app.url_map.iter_rules(endpoint):
                prefixes.append(re.escape(rule.rule.split("<", 1)[0]))
        pattern = re.compile(f"(?P<path>{'|'.join(prefixes)}){_TOKEN}")
        app.extensions["secret_link_pattern"] = pattern
    return pattern


def redact_secret_links(text: str) -> str:
    """``text`` with the secret of every password-reset and invitation link replaced."""
    pattern = _secret_link_pattern(current_app)
    return pattern.sub(lambda match: match["path"] + REDACTED, text)


def shown(text: str | None) -> str | None:
    """``text`` (a body of an outbox message) as this mode may show it: in full in the
    embedded mode, else with its secret links redacted."""
    if text is None or is_embedded(current_app.config):
        return text
    return redact_secret_links(text)
