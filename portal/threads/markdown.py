"""Comment Markdown to safe HTML: parsed by markdown-it, then cleaned by nh3 (never trusted raw).

Mentions are found by one markdown-it core rule over the token stream, so ``@dana`` in code,
in a link or in an autolink is never one, and what is highlighted is exactly what is notified.

Bidi controls (``strip_bidi_controls``): a comment is prose, so its embeddings, overrides and
isolates go and its marks stay; a link, its address, title and text, keeps none of them.
"""

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from portal.forms import strip_bidi_controls

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "a", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
# A span survives only as a mention: the parser makes no other (raw HTML is off).
ALLOWED_ATTRIBUTE_VALUES = {"span": {"class": {"mention"}}}
URL_SCHEMES = {"http", "https", "mailto"}

# Raw HTML in the source is shown as text; images are not embedded from comments.
_parser = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable("image")

MENTION = re.compile(r"(?<![\w@./])@([a-z0-9][a-z0-9_.-]*[a-z0-9]|[a-z0-9])", re.IGNORECASE)


def _mention_tokens(state: StateCore) -> None:
    """Split every ``@handle`` out of the text tokens into a ``mention`` token of its own.

    Code spans, code blocks and fences hold no text tokens; text between ``link_open`` and
    ``link_close`` (link text and autolinks alike) is skipped.
    """
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children, inside_link = [], 0
        for token in block.children:
            if token.type == "link_open":
                inside_link += 1
            elif token.type == "link_close":
                inside_link -= 1
            if token.type == "text" and not inside_link:
                children.extend(_split_text(token))
            else:
                children.append(token)
        block.children = children


def _split_text(token: Token) -> list[Token]:
    pieces, position = [], 0
    for match in MENTION.finditer(token.content):
        if match.start() > position:
            pieces.append(_text(token, token.content[position : match.start()]))
        mention = Token("mention", "", 0, content=match.group(0), level=token.level)
        mention.meta = {"handle": match.group(1).lower()}
        pieces.append(mention)
        position = match.end()
    if not pieces:
        return [token]
    if position < len(token.content):
        pieces.append(_text(token, token.content[position:]))
    return pieces


def _text(like: Token, content: str) -> Token:
    return Token("text", "", 0, content=content, level=like.level)


def _render_mention(renderer, tokens, idx, options, env) -> str:
    token = tokens[idx]
    text = escapeHtml(token.content)
    if token.meta["handle"] in env.get("mention_handles", ()):
        return f'<span class="mention">{text}</span>'
    return text


def _plain_links(state: StateCore) -> None:
    """Take every bidi control out of the text and title of each link (its address loses
    them in ``_normalize_link``, before it is encoded)."""
    for block in state.tokens:
        inside_link = 0
        for token in block.children or ():
            if token.type == "link_open":
                inside_link += 1
                if token.attrGet("title"):
                    token.attrSet("title", strip_bidi_controls(token.attrGet("title")))
            elif token.type == "link_close":
                inside_link -= 1
            elif inside_link:
                token.content = strip_bidi_controls(token.content)


def _normalize_link(url: str) -> str:
    return MarkdownIt.normalizeLink(_parser, strip_bidi_controls(url))


_parser.core.ruler.push("mentions", _mention_tokens)
_parser.core.ruler.push("plain_links", _plain_links)
_parser.add_render_rule("mention", _render_mention)
_parser.normalizeLink = _normalize_link


def mentioned_handles(source: str) -> set[str]:
    """Every ``@handle`` written in ``source`` outside code and links, lowercased."""
    return {
        token.meta["handle"]
        for block in _parser.parse(source)
        if block.type == "inline"
        for token in block.children or ()
        if token.type == "mention"
    }


def render_markdown(source: str, mention_handles: set[str] = frozenset()) -> str:
    """Safe HTML for ``source``; ``@handles`` in ``mention_handles`` are marked as mentions."""
    prose = strip_bidi_controls(source, keep_marks=True)
    return nh3.clean(
        _parser.render(prose, {"mention_handles": mention_handles}),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values=ALLOWED_ATTRIBUTE_VALUES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
