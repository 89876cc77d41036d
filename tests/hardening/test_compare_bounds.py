"""The compare page's work is bounded: long copy can't hold a web worker (issue 12, defect 5).

difflib's SequenceMatcher took minutes on two versions of 60,000 characters. The bound is
shown by CPU time in a child process (killed past its limit), never by the clock.
"""

import json
import re
import signal
import subprocess
import sys
from html import unescape
from pathlib import Path

from portal.drafts.diff import (
    COMPARISONS_KEPT,
    WORD_DIFF_LIMIT,
    compare_copy,
    paragraph_diff,
    word_diff,
)
from portal.drafts.services import MAX_COPY_LENGTH
from tests.drafts.helpers import text_of
from tests.factories import make_draft, make_version

CPU_SECONDS = 10
REPOSITORY = Path(__file__).resolve().parents[2]

DIFF_IN_A_CHILD = f"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
resource.setrlimit(resource.RLIMIT_CPU, ({CPU_SECONDS}, {CPU_SECONDS} + 5))
from portal.drafts.diff import word_diff
old, new = json.load(sys.stdin)
sys.stdout.write(str(word_diff(old, new)))
"""


def edited_texts(characters: int) -> tuple[str, str]:
    """Two texts of about ``characters`` each: distinct words, every seventh one changed in
    the second. Many short matches between many edits: SequenceMatcher's worst case."""
    words = [f"word{n}" for n in range(characters // 9)]
    edited = [f"{word}s" if n % 7 == 0 else word for n, word in enumerate(words)]
    return " ".join(words), " ".join(edited)


def sides(html: str) -> tuple[str, str]:
    """The old and the new text that a diff's HTML shows: what it keeps without the added
    parts, and without the removed ones."""
    old = re.sub(r"<ins>.*?</ins>|</?del>", "", html, flags=re.S)
    new = re.sub(r"<del>.*?</del>|</?ins>", "", html, flags=re.S)
    return unescape(old), unescape(new)


def test_a_word_diff_of_60000_characters_finishes_within_a_cpu_budget():
    old, new = edited_texts(60_000)
    assert len(old) > 55_000
    child = subprocess.run(
        [sys.executable, "-c", DIFF_IN_A_CHILD],
        input=json.dumps([old, new]),
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        check=False,
    )
    assert child.returncode == 0, (
        f"the diff ended with {child.returncode} "
        f"(-{signal.SIGXCPU}: stopped after {CPU_SECONDS} s of CPU): {child.stderr[-500:]}"
    )
    assert sides(child.stdout) == (old, new)
    assert "<del>word7</del><ins>word7s</ins> word8" in child.stdout


def test_two_versions_of_the_longest_copy_compare_by_paragraph(app, account, writer):
    paragraph = "Roasted in small batches in Leeds, from beans we buy from the farm itself.\n"
    old = (paragraph * (MAX_COPY_LENGTH // len(paragraph) + 1))[:MAX_COPY_LENGTH]
    new = old.replace("small batches", "large batches", 1)
    assert len(old) == len(new) == MAX_COPY_LENGTH
    with app.app_context():
        draft = make_draft(account.project, account.writer, title="The whole story")
        make_version(draft, account.writer, body=old)
        make_version(draft, account.writer, body=new)
    response = writer.get(account.draft_url(draft, "/compare?from=1&to=2"))
    assert response.status_code == 200
    page = text_of(response)
    assert "too long to compare word by word" in page
    changed = paragraph.replace("small", "large")
    assert f'<div class="copy-body diff"><del>{paragraph}</del><ins>{changed}</ins>' in page
    assert page.count("<del>") == page.count("<ins>") == 2  # one change, and the hint


def test_copy_up_to_the_word_limit_is_compared_word_by_word():
    at_limit = "a " * (WORD_DIFF_LIMIT // 2)
    assert compare_copy(at_limit, at_limit[:-2] + "b ").by_word
    over = compare_copy(at_limit + "b", at_limit)
    assert not over.by_word and sides(over.html) == (at_limit + "b", at_limit)


def test_words_added_removed_and_replaced_are_marked():
    assert word_diff("Roasted in batches in Leeds.", "Roasted in small batches in Leeds.") == (
        "Roasted in <ins>small </ins>batches in Leeds."
    )
    assert word_diff("Roasted in small batches in Leeds.", "Roasted in batches in Leeds.") == (
        "Roasted in <del>small </del>batches in Leeds."
    )
    assert word_diff("Roasted in small batches.", "Roasted in tiny batches.") == (
        "Roasted in <del>small</del><ins>tiny</ins> batches."
    )
    assert word_diff("", "New.") == "<ins>New.</ins>"
    assert word_diff("Same.", "Same.") == "Same."


def test_the_diff_escapes_what_was_removed_kept_and_added():
    old = 'Keep <b>&amp;</b> <img src=x onerror="alert(1)"> gone.'
    new = "Keep <b>&amp;</b> <script>alert(2)</script> here."
    html = word_diff(old, new)
    assert "<b>" not in html and "<img" not in html and "<script" not in html
    assert "script&gt;" in html and "onerror=&#34;" in html and "&amp;amp;" in html
    assert sides(html) == (old, new)


def test_a_paragraph_diff_marks_changed_paragraphs_whole():
    old = "One.\nTwo <em>2</em>.\nThree."
    new = "One.\nTwo, changed.\nThree."
    assert paragraph_diff(old, new) == (
        "One.\n<del>Two &lt;em&gt;2&lt;/em&gt;.\n</del><ins>Two, changed.\n</ins>Three."
    )


def test_a_comparison_is_kept_and_reused_not_worked_out_again(app, account, writer):
    old, new = "Kept once: version one.", "Kept once: version two."
    before = compare_copy.cache_info()
    first = compare_copy(old, new)
    worked_out = compare_copy.cache_info()
    assert worked_out.misses == before.misses + 1
    assert compare_copy(old, new) is first
    reused = compare_copy.cache_info()
    assert (reused.hits, reused.misses) == (worked_out.hits + 1, worked_out.misses)
    assert reused.maxsize == COMPARISONS_KEPT

    with app.app_context():
        draft = make_draft(account.project, account.writer, title="Kept")
        make_version(draft, account.writer, body=old)
        make_version(draft, account.writer, body=new)
    page = text_of(writer.get(account.draft_url(draft, "/compare?from=1&to=2")))
    assert str(first.html) in page
    assert compare_copy.cache_info().misses == reused.misses
