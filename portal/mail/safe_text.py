"""What user-typed text may carry into an e-mail, wherever it came from (a form of today,
a row saved before today's rules, the demo, a command).

A header is one line: no control characters (a CR or LF would start a header of its own,
"\\r\\nBcc: …"), no bidi controls to disguise it, and a bounded length (a subject made of a
long name and a long title outgrew its column, and PostgreSQL refused the whole message).
The text part is lines: line breaks
become plain newlines and no other control character stays. Neither part keeps the bidi
embeddings, overrides or isolates, which only make text read other than it is written
(the marks stay: writers of right-to-left scripts place punctuation with them).
"""

import re

from portal.forms import strip_bidi_controls

_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROLS_BUT_NEWLINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROLS_BUT_LINE_BREAKS_AND_TABS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
HEADER_MAX = 200


def header_text(value: str, max_length: int = HEADER_MAX) -> str:
    """``value`` as one line fit for a header such as Subject: controls and runs of white
    space become one space, every bidi control goes, and past ``max_length`` characters it
    is cut, with an ellipsis."""
    line = strip_bidi_controls(" ".join(_CONTROLS.sub(" ", value).split()))
    return line if len(line) <= max_length else line[: max_length - 1].rstrip() + "…"


def text_part(body: str) -> str:
    """``body`` fit for a plain-text part: CR LF and lone CRs become newlines, tabs spaces,
    and no other control character or bidi override stays."""
    body = body.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return strip_bidi_controls(_CONTROLS_BUT_NEWLINE.sub("", body), keep_marks=True)


def html_part(body: str) -> str:
    """``body`` (rendered HTML, its text escaped) without bidi overrides, nor control
    characters other than line breaks and tabs."""
    return strip_bidi_controls(_CONTROLS_BUT_LINE_BREAKS_AND_TABS.sub("", body), keep_marks=True)
