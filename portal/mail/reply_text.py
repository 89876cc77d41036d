"""The new text of an e-mail reply: what the person wrote above the quoted message.

The body is the plain-text part, or, for a mail with only HTML, that HTML as text (quoted
blocks, scripts and styles dropped, nothing rendered or fetched: the tags are only read).
mail-parser-reply then cuts the quoted message ("On … wrote:", Outlook's "From: … Sent:",
in the languages it knows), signatures ("-- ", "Best regards", "Sent from my iPhone") and
disclaimers. The result is posted through the same service as the web form, which renders
its Markdown and sanitises the HTML.
"""

import re
from email.message import EmailMessage
from html.parser import HTMLParser

from mailparser_reply import EmailMessage as ParsedReply
from mailparser_reply.constants import MAIL_LANGUAGES

# Elements whose content is never the new text: what was quoted, and what is not text.
_SKIPPED = {"blockquote", "script", "style", "head", "title", "template", "noscript"}
# Containers mail programs put the quoted message in.
_QUOTE_CLASSES = {"gmail_quote", "yahoo_quoted", "moz-cite-prefix"}
_QUOTE_IDS = {"divrplyfwdmsg", "appendonsend"}
_BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "ul",
           "ol", "table"}  # fmt: skip
_WHITESPACE = re.compile(r"\s+")
_VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"}


class _TextOfHtml(HTMLParser):
    """Collects the text of an HTML mail, a line break at each block, quoted blocks left out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: str | None = None  # the tag whose content is being left out
        self.depth = 0  # how deep in elements of that tag

    def handle_starttag(self, tag, attrs):
        if self.skipping is not None:
            self.depth += tag == self.skipping
            return
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        if (
            tag in _SKIPPED
            or classes & _QUOTE_CLASSES
            or (attributes.get("id") or "").lower() in _QUOTE_IDS
        ) and tag not in _VOID:
            self.skipping, self.depth = tag, 1
            return
        if tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag):
        if self.skipping is not None:
            self.depth -= tag == self.skipping
            if self.depth == 0:
                self.skipping = None
            return
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.skipping is None:
            self.parts.append(_WHITESPACE.sub(" ", data))


def html_to_text(html: str) -> str:
    """The text of ``html``, without what it quotes."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).splitlines())
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


def body_text(message: EmailMessage) -> str:
    """The text of ``message``'s body: its plain-text part, else its HTML part as text."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_subtype() == "html":
        return html_to_text(content)
    return content


def new_text(message: EmailMessage) -> str:
    """What the sender of ``message`` wrote, without quotes, signature or disclaimer."""
    text = body_text(message).replace("\r\n", "\n")
    if not text.strip():
        return ""
    parsed = ParsedReply(text=text, languages=list(MAIL_LANGUAGES), keep_hyphen_lists=True)
    replies = parsed.read().replies
    return replies[0].body.strip() if replies else ""
