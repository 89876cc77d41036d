"""A draft's discussion across versions: labels, the "this version" filter, one-level replies,
a superseded version that takes no comments, and quotes the newest copy no longer has."""

import re

import pytest

from portal.models import Comment, Version
from tests.drafts.helpers import (
    HTMX,
    comment_fields,
    comment_ids,
    count,
    draft_thread,
    rows,
    text_of,
)
from tests.factories import make_comment, make_version
from tests.review import make_draft_in_review

COPY_V1 = "Roasted in small batches in Leeds. Every bag names the farm it came from."
COPY_V2 = "Roasted in small batches in Leeds."


@pytest.fixture
def two_versions(app, account):
    """A copy draft whose v1 drew a quote and a general comment, then v2 dropped the quote."""
    with app.app_context():
        draft = make_draft_in_review(account, title="Homepage intro", body=COPY_V1)
        thread = draft_thread(app, draft)
        start = COPY_V1.index("Every bag")
        quoted = make_comment(
            thread,
            account.reviewer,
            "Which farm?",
            anchor={"type": "passage", "start": start, "end": len(COPY_V1) - 1},
        )
        general = make_comment(thread, account.reviewer, "Lovely overall.")
        make_version(draft, account.writer, body=COPY_V2)
        on_v2 = make_comment(thread, account.writer, "Shortened it.")
        return draft, thread, quoted, general, on_v2


def labels_shown(html: str) -> dict[int, str]:
    """Each comment's version badge, by comment id."""
    return {
        int(comment_id): label
        for comment_id, label in re.findall(
            r'<li id="comment-(\d+)".*?<span class="badge badge-version"[^>]*>(v\d+)</span>',
            html,
            flags=re.S,
        )
    }


def comment_form(html: str) -> str | None:
    match = re.search(r'<form id="comment-form".*?</form>', html, flags=re.S)
    return match.group(0) if match else None


def test_every_comment_shows_the_version_it_was_made_on(account, two_versions, reviewer):
    draft, _, quoted, general, on_v2 = two_versions
    html = text_of(reviewer.get(account.draft_url(draft)))
    assert labels_shown(html) == {quoted.id: "v1", general.id: "v1", on_v2.id: "v2"}


def test_the_thread_filters_to_the_version_shown_or_shows_all(account, two_versions, reviewer):
    draft, _, quoted, general, on_v2 = two_versions
    everything = text_of(reviewer.get(account.draft_url(draft)))
    assert comment_ids(everything) == [quoted.id, general.id, on_v2.id]
    assert "Only version 2" in everything

    newest_only = text_of(reviewer.get(account.draft_url(draft) + "?comments=version"))
    assert comment_ids(newest_only) == [on_v2.id]
    first_only = text_of(reviewer.get(account.draft_url(draft) + "?v=1&comments=version"))
    assert comment_ids(first_only) == [quoted.id, general.id]


def test_a_quote_the_newest_copy_no_longer_has_is_marked(account, two_versions, reviewer):
    draft, *_ = two_versions
    html = text_of(reviewer.get(account.draft_url(draft)))
    assert html.count("no longer in the newest version") == 1
    assert re.search(r"Which farm\?", html)


def test_a_superseded_version_shows_no_comment_form(account, two_versions, reviewer):
    draft, *_ = two_versions
    old = text_of(reviewer.get(account.draft_url(draft) + "?v=1"))
    assert comment_form(old) is None
    assert "Version 1 is superseded, so it takes no new comments." in old
    assert 'data-reply="' not in old
    assert comment_form(text_of(reviewer.get(account.draft_url(draft)))) is not None


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_post_to_a_superseded_version_is_refused_not_moved(
    app, account, two_versions, reviewer, headers
):
    draft, thread, *_ = two_versions
    v1, v2 = rows(app, Version, Version.draft_id == draft.id)
    before = count(app, Comment)
    # The form as it was before version 2 arrived carried version 1's id.
    response = reviewer.post(
        account.thread_url(thread, "/comments"),
        data=comment_fields("The farm line was better.", version_id=v1.id),
        headers=headers,
    )
    assert response.status_code == 409
    html = text_of(response)
    assert "Version 2 replaced the one you were reading. Nothing was posted" in html
    assert "The farm line was better." in html  # the text is kept in the form
    assert count(app, Comment) == before

    again = reviewer.post(
        account.thread_url(thread, "/comments"),
        data=comment_fields("The farm line was better.", version_id=v2.id),
    )
    assert again.status_code == 302
    assert count(app, Comment) == before + 1


def test_replies_follow_their_parent_one_level_deep(app, account, two_versions, reviewer, writer):
    draft, thread, quoted, general, on_v2 = two_versions
    html = text_of(writer.get(account.draft_url(draft) + f"?reply_to={quoted.id}"))
    assert f'name="reply_to" type="hidden" value="{quoted.id}"' in html
    assert "Replying to Hannah Client\u2019s comment" in html

    posted = writer.post(
        account.thread_url(thread, "/comments"),
        data=comment_fields("Finca Alta, named in v3.", reply_to=quoted.id),
    )
    assert posted.status_code == 302
    (reply,) = rows(app, Comment, Comment.reply_to_id == quoted.id)

    page = text_of(reviewer.get(account.draft_url(draft)))
    assert comment_ids(page) == [quoted.id, reply.id, general.id, on_v2.id]
    assert re.search(rf'<li id="comment-{reply.id}" class="[^"]*comment-nested', page)
    assert f'data-reply="{quoted.id}"' in page
    assert f'data-reply="{reply.id}"' not in page  # no reply to a reply

    deeper = reviewer.post(
        account.thread_url(thread, "/comments"),
        data=comment_fields("And a reply to the reply.", reply_to=reply.id),
    )
    assert deeper.status_code == 422
    assert "That reply points at a comment outside this thread." in text_of(deeper)


def test_a_client_cannot_reply_to_a_staff_only_note(app, account, two_versions, reviewer):
    _, thread, *_ = two_versions
    with app.app_context():
        note = make_comment(thread, account.writer, "Between us: farm unknown.", internal=True)
    response = reviewer.post(
        account.thread_url(thread, "/comments"),
        data=comment_fields("Replying blind.", reply_to=note.id),
    )
    assert response.status_code == 422
    assert "Between us" not in text_of(response)


def test_repeated_buttons_say_which_comment_they_act_on(account, two_versions, writer):
    draft, *_ = two_versions
    html = text_of(writer.get(account.draft_url(draft)))
    assert re.search(
        '>Resolve<span class="visually-hidden"> Hannah Client\u2019s comment of [^<]+</span>', html
    )
    assert re.search(
        r">Reply<span class=\"visually-hidden\"> to</span><span class=\"visually-hidden\"> "
        "Hannah Client\u2019s comment of",
        html,
    )
