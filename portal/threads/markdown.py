"""Comment Markdown to safe HTML: parsed by markdown-it, then cleaned by nh3 (never trusted raw)."""

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import escape

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "a", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

# Raw HTML in the source is shown as text; images are not embedded from comments.
_parser = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable("image")

MENTION = re.compile(r"(?<![\w@./])@([a-z0-9][a-z0-9_.-]*[a-z0-9]|[a-z0-9])", re.IGNORECASE)
_TAG = re.compile(r"(<[^>]*>)")


def mentioned_handles(source: str) -> set[str]:
    """Every ``@handle`` written in ``source``, lowercased."""
    return {match.group(1).lower() for match in MENTION.finditer(source)}


def render_markdown(source: str, mention_handles: set[str] = frozenset()) -> str:
    """Safe HTML for ``source``; ``@handles`` in ``mention_handles`` are marked as mentions."""
    html = nh3.clean(
        _parser.render(source),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
    return _mark_mentions(html, mention_handles) if mention_handles else html


def _mark_mentions(html: str, handles: set[str]) -> str:
    def mark(match):
        handle = match.group(1).lower()
        if handle not in handles:
            return match.group(0)
        return f'<span class="mention">@{escape(match.group(1))}</span>'

    pieces, inside_code_or_link = [], 0
    for piece in _TAG.split(html):
        if piece.startswith("<"):
            name = piece.strip("</>").split()[0].lower() if piece.strip("</>") else ""
            if name in ("a", "code", "pre"):
                inside_code_or_link += -1 if piece.startswith("</") else 1
            pieces.append(piece)
        elif inside_code_or_link:
            pieces.append(piece)
        else:
            pieces.append(MENTION.sub(mark, piece))
    return "".join(pieces)
