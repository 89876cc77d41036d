"""Mentions come from the Markdown token stream: prose mentions, code and links never do."""

import pytest

from portal.threads.markdown import mentioned_handles, render_markdown

MARK = '<span class="mention">@dana</span>'


@pytest.mark.parametrize(
    "source",
    [
        "Can you look, @dana?",
        "This is **@dana**'s call.",
        "@dana can the logo be bigger?",
        "First line\n@dana second line",
        "Agreed (@dana), and: @dana!",
    ],
    ids=["plain", "bold", "line start", "after a line break", "after punctuation"],
)
def test_a_mention_in_prose_is_found_and_marked(source):
    assert mentioned_handles(source) == {"dana"}
    assert MARK in render_markdown(source, {"dana"})


@pytest.mark.parametrize(
    "source",
    [
        "Run `@dana` to deploy.",
        "```\n@dana\n```",
        "Code:\n\n    @dana",
        "See [@dana](https://example.com/profile).",
        "See [the profile](https://example.com/@dana).",
        "See <https://example.com/@dana>.",
        "Write to <a@dana.com>.",
        "Write to a@dana.com.",
    ],
    ids=[
        "inline code",
        "fence",
        "indented code",
        "link text",
        "link url",
        "autolink",
        "e-mail autolink",
        "e-mail address",
    ],
)
def test_no_mention_in_code_links_or_addresses(source):
    assert mentioned_handles(source) == set()
    assert "mention" not in render_markdown(source, {"dana"})


def test_only_known_handles_are_marked_and_the_rest_stay_text():
    html = render_markdown("@Dana and @sid", {"dana"})

    assert '<span class="mention">@Dana</span> and @sid' in html


def test_role_handles_are_found_and_marked():
    source = "Question for the @copywriter: is it British English?"

    assert mentioned_handles(source) == {"copywriter"}
    assert '<span class="mention">@copywriter</span>' in render_markdown(source, {"copywriter"})


def test_mention_markup_cannot_be_forged_from_the_source():
    html = render_markdown('<span class="mention">@sid</span>', {"dana"})

    assert "<span" not in html
