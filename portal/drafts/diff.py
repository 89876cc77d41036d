"""Word-level comparison of two copy versions."""

import re
from difflib import SequenceMatcher

from markupsafe import Markup, escape

_TOKENS = re.compile(r"\s+|\w+(?:['\u2019]\w+)*|[^\w\s]")


def word_diff(old: str, new: str) -> Markup:
    """HTML of ``new`` with words removed since ``old`` in ``<del>`` and added ones in ``<ins>``."""
    before, after = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    pieces = []
    matcher = SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op in ("delete", "replace"):
            pieces.append(Markup("<del>{}</del>").format("".join(before[a1:a2])))
        if op in ("insert", "replace"):
            pieces.append(Markup("<ins>{}</ins>").format("".join(after[b1:b2])))
        if op == "equal":
            pieces.append(escape("".join(after[b1:b2])))
    return Markup("").join(pieces)
