"""Helpers for URLs: ones taken from requests, and ones we send out."""

from urllib.parse import urlsplit

from flask import current_app, url_for


def public_url(endpoint: str, **values) -> str:
    """An absolute link for e-mails, on ``PUBLIC_URL``: never on the request's Host header,
    which a client controls."""
    return current_app.config["PUBLIC_URL"] + url_for(endpoint, **values)


def safe_next_url(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None: no open redirects."""
    if not target or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
