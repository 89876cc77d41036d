"""Helpers for URLs: ones taken from requests, and ones we send out."""

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from flask import current_app, has_request_context, url_for

from portal.models import ThreadKind

# What Flask's url_for leaves unquoted in an anchor.
ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"


def public_url(endpoint: str, **values) -> str:
    """An absolute link for e-mails, on ``PUBLIC_URL``: never on the request's Host header,
    which a client controls. Works in jobs too, where there is no request."""
    if has_request_context():
        return current_app.config["PUBLIC_URL"] + url_for(endpoint, **values)
    return current_app.config["PUBLIC_URL"] + _path_outside_request(endpoint, values)


def _path_outside_request(endpoint: str, values: dict) -> str:
    """``url_for``'s path for a job, from one URL adapter kept per app: a digest links a few
    dozen times, and a request context made for each link cost more than the digest's SQL."""
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    adapter = current_app.extensions.get("public_url_adapter")
    if adapter is None:
        adapter = current_app.extensions["public_url_adapter"] = current_app.url_map.bind("")
    path = adapter.build(endpoint, values)
    return path if anchor is None else f"{path}#{quote(anchor, safe=ANCHOR_SAFE)}"


@dataclass(frozen=True)
class ThreadRef:
    """Enough of a thread to link to it with ``thread_location``, when no ``Thread`` is loaded."""

    id: int
    kind: str
    draft_id: int | None


def thread_location(thread, client_slug: str, comment_id: int | None = None) -> tuple[str, dict]:
    """The endpoint and values of the page a thread is read on, at one of its comments.

    A draft's discussion lives on the draft's page; other threads have their own.
    """
    anchor = {"_anchor": f"comment-{comment_id}"} if comment_id else {}
    if thread.draft_id is not None and thread.kind == ThreadKind.DRAFT:
        return "drafts.show", {"slug": client_slug, "draft_id": thread.draft_id, **anchor}
    return "threads.show", {"slug": client_slug, "thread_id": thread.id, **anchor}


def safe_next_url(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None: no open redirects, and no control
    characters (a line break would split the Location header)."""
    if not target or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
