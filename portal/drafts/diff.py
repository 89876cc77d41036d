"""Comparison of two copy versions: what went in ``<del>``, what came in ``<ins>``, bounded.

A version may hold 200,000 characters, and a comparison runs inside a web request, so its work
is bounded three ways:

- Each distinct token (a word, a run of whitespace, a punctuation mark) stands for one
  character, and diff-match-patch diffs those strings with Myers' O(ND) algorithm. It stops
  after ``DIFF_SECONDS`` and marks what it had not matched yet as removed and added whole.
- Versions longer than ``WORD_DIFF_LIMIT`` characters are compared paragraph by paragraph.
- ``compare_copy`` keeps the last few comparisons, so a page reloaded, or opened by each
  reviewer in turn, is worked out once.

difflib's ``SequenceMatcher``, used before, is quadratic in the number of words: two requests
for 60,000 characters held both web workers for minutes.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from diff_match_patch import diff_match_patch
from markupsafe import Markup, escape

WORD_DIFF_LIMIT = 100_000  # characters in either version
DIFF_SECONDS = 1.0
COMPARISONS_KEPT = 16  # each at most a few megabytes: two versions and their diff

_WORDS = re.compile(r"\s+|\w+(?:['\u2019]\w+)*|[^\w\s]")
_PARAGRAPHS = re.compile(r"[^\n]*\n|[^\n]+")


@dataclass(frozen=True)
class CopyComparison:
    """Two copy versions compared, as HTML; ``by_word`` is False when they were too long to
    compare word by word, and each changed paragraph is marked whole instead."""

    html: Markup
    by_word: bool


@lru_cache(maxsize=COMPARISONS_KEPT)
def compare_copy(old: str, new: str) -> CopyComparison:
    """``old`` and ``new`` compared word by word, or by paragraph past ``WORD_DIFF_LIMIT``.

    Kept per pair of texts rather than of version ids: a version's text never changes, and
    the text can't be confused with another database's version of the same id.
    """
    if max(len(old or ""), len(new or "")) <= WORD_DIFF_LIMIT:
        return CopyComparison(word_diff(old, new), by_word=True)
    return CopyComparison(paragraph_diff(old, new), by_word=False)


def word_diff(old: str, new: str) -> Markup:
    """HTML of ``new`` with words removed since ``old`` in ``<del>`` and added ones in ``<ins>``."""
    return _token_diff(_WORDS.findall(old or ""), _WORDS.findall(new or ""))


def paragraph_diff(old: str, new: str) -> Markup:
    """HTML of ``new`` with whole paragraphs (lines) removed in ``<del>``, added in ``<ins>``."""
    return _token_diff(_PARAGRAPHS.findall(old or ""), _PARAGRAPHS.findall(new or ""))


class _BoundedDiff(diff_match_patch):
    """diff-match-patch without its half-match shortcut, which doesn't watch the clock and is
    quadratic on repetitive text: 100,000 dots against the same with both ends changed took
    9 s with a 1 s timeout, 0.02 s without it."""

    def diff_halfMatch(self, text1, text2):
        return None


def _token_diff(before: list[str], after: list[str]) -> Markup:
    """HTML of the tokens ``after``, those gone since ``before`` in ``<del>``, new ones in
    ``<ins>``: diff-match-patch diffs one character per distinct token."""
    codes: dict[str, str] = {}

    def encode(tokens: list[str]) -> str:
        return "".join([codes.setdefault(token, chr(len(codes))) for token in tokens])

    differ = _BoundedDiff()
    differ.Diff_Timeout = DIFF_SECONDS
    pieces, old_at, new_at = [], 0, 0
    for op, run in differ.diff_main(encode(before), encode(after), checklines=False):
        if op == differ.DIFF_DELETE:
            removed = "".join(before[old_at : old_at + len(run)])
            pieces.append(Markup("<del>{}</del>").format(removed))
            old_at += len(run)
        elif op == differ.DIFF_INSERT:
            added = "".join(after[new_at : new_at + len(run)])
            pieces.append(Markup("<ins>{}</ins>").format(added))
            new_at += len(run)
        else:
            pieces.append(escape("".join(after[new_at : new_at + len(run)])))
            old_at += len(run)
            new_at += len(run)
    return Markup("").join(pieces)
