"""Posting, rendering, mentioning, editing, deleting, resolving and anchoring comments."""

import re
import threading

import pytest

from portal.extensions import db
from portal.models import Comment, Draft, DraftKind, Event, Mention, Subscription, Version
from portal.threads.markdown import render_markdown
from tests.drafts.helpers import (
    HTMX,
    comment_body_html,
    comment_fields,
    count,
    draft_thread,
    elements,
    pdf_bytes,
    rows,
    text_of,
)
from tests.factories import make_comment, make_draft, make_version
from tests.review import browser_for

COPY = "Roasted in small batches in Leeds. Every bag names the farm it came from."


def post(browser, account, thread, body, headers=None, **fields):
    return browser.post(
        account.thread_url(thread, "/comments"),
        data=comment_fields(body, **fields),
        headers=headers or {},
    )


def comments_in(app, thread) -> list:
    return rows(app, Comment, Comment.thread_id == thread.id)


# --- posting -------------------------------------------------------------------------------


def test_posting_a_comment_saves_it_and_returns_to_it(app, account, thread, reviewer):
    response = post(reviewer, account, thread, "Is **March** still the plan?")
    *_, comment = comments_in(app, thread)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/threads/{thread.id}#comment-{comment.id}")
    assert comment.author_id == account.reviewer.id
    assert comment.body_html == "<p>Is <strong>March</strong> still the plan?</p>\n"

    html = text_of(reviewer.get(account.thread_url(thread)))
    assert "Is <strong>March</strong> still the plan?" in comment_body_html(html, comment.id)


def test_an_htmx_post_gets_a_fresh_form_and_tells_the_poller(app, account, thread, reviewer):
    response = post(reviewer, account, thread, "Posting through htmx.", headers=HTMX)
    html = text_of(response)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<form id="comment-form"')
    assert "Posting through htmx." not in html  # the form is empty again
    assert "comments-changed" in response.headers.get("HX-Trigger", "")
    assert comments_in(app, thread)[-1].body == "Posting through htmx."


def test_a_comment_without_the_optional_reply_field_is_still_saved(app, account, thread, reviewer):
    """A form or client that leaves out the hidden ``reply_to`` field must not cause a 500."""
    response = reviewer.post(account.thread_url(thread, "/comments"), data={"body": "Plain."})
    assert response.status_code == 302
    assert comments_in(app, thread)[-1].body == "Plain."


def test_a_client_cannot_post_a_staff_only_note(app, account, thread, reviewer):
    response = post(reviewer, account, thread, "Secret?", internal="y")
    assert response.status_code == 422
    assert "Only agency staff can write staff-only notes." in text_of(response)
    assert [c.body for c in comments_in(app, thread)] == ["When do we launch?"]


# --- Markdown is rendered inert ------------------------------------------------------------

XSS = {
    "javascript-link": "[x](javascript:alert(1))",
    "mixed-case-javascript": "[x](JaVaScRiPt:alert(1))",
    "entity-javascript": "[x](&#106;avascript:alert(1))",
    "tab-entity-javascript": "[x](java&#x09;script:alert(1))",
    "percent-javascript": "[x](%6Aavascript:alert(1))",
    "colon-entity-javascript": "[x](javascript&colon;alert(1))",
    "raw-anchor": '<a href="javascript:alert(1)">x</a>',
    "img-onerror": "<img src=x onerror=alert(1)>",
    "svg-onload": "<svg onload=alert(1)>",
    "script": "<script>alert(1)</script>",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "style": "<style>body { display: none }</style>",
    "data-url": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "vbscript": "[x](vbscript:msgbox(1))",
    "markdown-image": "![x](https://evil.example/pixel.png)",
    "autolink-javascript": "<javascript:alert(1)>",
}
FORBIDDEN_TAGS = {"script", "iframe", "style", "img", "svg", "object", "embed", "form", "input"}
SAFE_SCHEMES = {"http", "https", "mailto"}


def assert_inert(html: str) -> None:
    """No script, frame, style or image, no event handler, no link with a dangerous scheme."""
    assert "<script" not in html.lower()
    assert not re.search(r"<[^>]*\son\w+\s*=", html, flags=re.I), "an event handler attribute"
    for tag, attributes in elements(html):
        assert tag not in FORBIDDEN_TAGS, f"<{tag}> survived"
        assert not [name for name in attributes if name.startswith("on")]
        href = attributes.get("href")
        if href is not None:
            # What a browser parses: ASCII tab and newline removed, leading controls stripped.
            seen = re.sub(r"[\t\n\r]", "", href).lstrip("\x00\x01\x02\x03\x04 ").lower()
            assert not re.search(r"(javascript|vbscript|data):", seen), href
            scheme = re.match(r"([a-z][a-z0-9+.-]*):", seen)
            assert scheme is None or scheme.group(1) in SAFE_SCHEMES, href


@pytest.mark.parametrize("source", XSS.values(), ids=XSS.keys())
def test_render_markdown_makes_hostile_markup_inert(source):
    assert_inert(render_markdown(source))


@pytest.mark.parametrize("source", XSS.values(), ids=XSS.keys())
def test_a_hostile_comment_is_stored_and_shown_inert(app, account, thread, reviewer, source):
    assert post(reviewer, account, thread, source).status_code == 302
    comment = comments_in(app, thread)[-1]
    assert comment.body == source
    assert_inert(comment.body_html)

    page = text_of(reviewer.get(account.thread_url(thread)))
    assert_inert(comment_body_html(page, comment.id))


def test_an_allowed_link_opens_without_referrer_or_opener():
    html = render_markdown("See [the brief](https://example.com/brief).")
    (link,) = [attributes for tag, attributes in elements(html) if tag == "a"]
    assert link["href"] == "https://example.com/brief"
    assert link["rel"] == "nofollow noopener noreferrer"


# --- mentions ------------------------------------------------------------------------------


def mentioned(app, comment) -> set[int]:
    return {m.user_id for m in rows(app, Mention, Mention.comment_id == comment.id)}


def test_mentioning_a_team_member_by_handle_reaches_them(app, account, thread, reviewer):
    post(reviewer, account, thread, "@mateo can the logo be bigger?")
    comment = comments_in(app, thread)[-1]
    assert mentioned(app, comment) == {account.designer.id}
    assert '<span class="mention">@mateo</span>' in comment.body_html
    assert rows(
        app,
        Subscription,
        Subscription.user_id == account.designer.id,
        Subscription.thread_id == thread.id,
    )


def test_a_mention_added_by_an_edit_reaches_the_person(app, account, thread, reviewer):
    post(reviewer, account, thread, "Can the logo be bigger?")
    comment = comments_in(app, thread)[-1]
    response = reviewer.post(
        account.comment_url(comment, "edit"),
        data={"body": "@mateo can the logo be bigger?", "revision": comment.revision},
    )
    assert response.status_code == 302
    assert mentioned(app, comment) == {account.designer.id}


def test_mentioning_a_role_reaches_whoever_holds_it_on_the_team(app, account, thread, reviewer):
    post(reviewer, account, thread, "Question for the @copywriter: is it British English?")
    comment = comments_in(app, thread)[-1]
    # Sam is a copywriter too, but serves another client.
    assert mentioned(app, comment) == {account.writer.id}
    assert '<span class="mention">@copywriter</span>' in comment.body_html


def test_a_staff_only_note_cannot_reach_a_client_user(app, account, thread, writer):
    post(writer, account, thread, "@hannah will not like this; @ada agrees.", internal="y")
    note = comments_in(app, thread)[-1]
    assert note.internal
    assert mentioned(app, note) == {account.manager.id}
    assert '<span class="mention">@hannah</span>' not in note.body_html


def test_someone_outside_the_account_cannot_be_mentioned(app, account, thread, reviewer):
    post(reviewer, account, thread, "Hello @sam and @sid.")
    comment = comments_in(app, thread)[-1]
    assert mentioned(app, comment) == set()
    assert "mention" not in comment.body_html


# --- editing, deleting, resolving ----------------------------------------------------------


@pytest.fixture
def own_comment(app, account, thread):
    with app.app_context():
        return make_comment(thread, account.reviewer, "First wording.")


def edit(browser, account, comment, body, revision, **kwargs):
    return browser.post(
        account.comment_url(comment, "edit"), data={"body": body, "revision": revision}, **kwargs
    )


def test_editing_a_comment_changes_it_and_bumps_its_revision(app, account, own_comment, reviewer):
    response = edit(reviewer, account, own_comment, "Second wording.", 1)
    assert response.status_code == 302
    (stored,) = rows(app, Comment, Comment.id == own_comment.id)
    assert (stored.body, stored.revision) == ("Second wording.", 2)
    assert stored.body_html == "<p>Second wording.</p>\n"
    assert stored.edited_at is not None


@pytest.mark.parametrize(
    ("author", "headers"),
    [("reviewer", {}), ("reviewer", HTMX), ("writer", {})],
    ids=["client-page", "client-htmx", "staff-page"],
)
def test_an_edit_from_a_stale_revision_is_refused_and_keeps_both_texts(
    app, account, thread, new_browser, author, headers
):
    with app.app_context():
        comment = make_comment(thread, getattr(account, author), "First wording.")
    browser = browser_for(new_browser, getattr(account, author))
    assert edit(browser, account, comment, "Wording from tab one.", 1).status_code == 302

    response = edit(browser, account, comment, "Wording from tab two.", 1, headers=headers)
    html = text_of(response)
    assert response.status_code == 409
    assert ("<html" in html) == (not headers)
    assert "This comment changed while you were editing it." in html
    assert "The comment now reads:" in html
    assert "<p>Wording from tab one.</p>" in html
    assert re.search(r"<textarea[^>]*>\s*Wording from tab two.</textarea>", html)
    assert 'name="revision" type="hidden" value="2"' in html
    (stored,) = rows(app, Comment, Comment.id == comment.id)
    assert (stored.body, stored.revision) == ("Wording from tab one.", 2)


def test_a_deleted_comment_leaves_a_marker_and_the_thread_stays(
    app, account, thread, own_comment, reviewer
):
    response = reviewer.post(account.comment_url(own_comment, "delete"))
    assert response.status_code == 302

    page = reviewer.get(account.thread_url(thread))
    html = text_of(page)
    assert page.status_code == 200
    assert "This comment was deleted." in html
    assert "First wording." not in html
    assert "When do we launch?" in html
    assert rows(app, Comment, Comment.id == own_comment.id)[0].deleted_at is not None


def test_staff_resolve_a_comment_and_its_author_reopens_it(
    app, account, thread, own_comment, reviewer, writer
):
    assert writer.post(account.comment_url(own_comment, "resolve")).status_code == 302
    (stored,) = rows(app, Comment, Comment.id == own_comment.id)
    assert stored.resolved_at is not None and stored.resolved_by_id == account.writer.id
    html = text_of(reviewer.get(account.thread_url(thread)))
    assert 'class="badge badge-resolved">Resolved' in html

    response = reviewer.post(account.comment_url(own_comment, "reopen"), headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in text_of(response)
    assert '>Resolve<span class="visually-hidden">' in text_of(response)
    (stored,) = rows(app, Comment, Comment.id == own_comment.id)
    assert stored.resolved_at is None and stored.resolved_by_id is None


# --- anchors -------------------------------------------------------------------------------


def passage(start, end) -> dict:
    return {"anchor_type": "passage", "start": start, "end": end}


def point(x, y) -> dict:
    return {"anchor_type": "point", "x": x, "y": y}


@pytest.fixture
def copy_thread(app, account):
    with app.app_context():
        draft = make_draft(account.project, account.writer, title="Intro copy")
        make_version(draft, account.writer, body=COPY)
    return draft_thread(app, draft)


@pytest.fixture
def image_thread(app, account):
    with app.app_context():
        draft = make_draft(account.project, account.designer, DraftKind.IMAGE, title="Label")
        make_version(draft, account.designer)
    return draft_thread(app, draft)


@pytest.fixture
def pdf_thread(app, account):
    with app.app_context():
        draft = make_draft(account.project, account.designer, DraftKind.PDF, title="Brochure")
        make_version(draft, account.designer, image=pdf_bytes(pages=2))
    return draft_thread(app, draft)


def test_a_passage_comment_keeps_the_exact_quote_from_the_version(
    app, account, copy_thread, reviewer
):
    start = COPY.index("small batches")
    end = start + len("small batches")
    response = post(reviewer, account, copy_thread, "Say how small.", **passage(start, end))
    assert response.status_code == 302
    (comment,) = comments_in(app, copy_thread)
    assert comment.anchor == {
        "type": "passage",
        "start": start,
        "end": end,
        "quote": "small batches",
    }
    page = text_of(reviewer.get(response.headers["Location"]))
    assert f'<mark class="passage" data-comment="{comment.id}">small batches</mark>' in page


def test_a_pin_on_an_image_keeps_its_position(app, account, image_thread, reviewer):
    response = post(reviewer, account, image_thread, "Bigger logo here.", **point("0.25", "0.5"))
    assert response.status_code == 302
    (comment,) = comments_in(app, image_thread)
    assert comment.anchor == {"type": "point", "x": 0.25, "y": 0.5}


NOT_IN_COPY = "That passage isn&#39;t in this version of the copy."
OFF_IMAGE = "The pin has to be on the image."
BAD_ANCHORS = {
    "passage-past-the-end": ("copy", passage("20", "500"), NOT_IN_COPY),
    "passage-before-the-start": ("copy", passage("-3", "4"), NOT_IN_COPY),
    "empty-passage": ("copy", passage("9", "9"), NOT_IN_COPY),
    "pin-off-the-image": ("image", point("1.5", "0.5"), OFF_IMAGE),
    "pin-not-a-number": ("image", point("nan", "0.5"), OFF_IMAGE),
    "page-past-the-end": ("pdf", {"page": "3"}, "This PDF has 2 pages."),
    "pin-on-copy": ("copy", point("0.5", "0.5"), "That kind of pointer doesn&#39;t fit"),
}


@pytest.mark.parametrize(("which", "fields", "message"), BAD_ANCHORS.values(), ids=BAD_ANCHORS)
def test_an_anchor_outside_the_version_is_refused(
    app, request, account, reviewer, which, fields, message
):
    thread = request.getfixturevalue(f"{which}_thread")
    response = post(reviewer, account, thread, "Look here.", **fields)
    assert response.status_code == 422
    assert message in text_of(response)
    assert comments_in(app, thread) == []


def test_a_refused_comment_leaves_no_comment_mention_or_event_behind(
    app, account, copy_thread, reviewer
):
    before = (count(app, Comment), count(app, Mention), count(app, Event))
    response = post(
        reviewer, account, copy_thread, "@copywriter and @mateo: see this.", **passage("0", "9999")
    )
    assert response.status_code == 422
    assert (count(app, Comment), count(app, Mention), count(app, Event)) == before


def test_comments_on_a_draft_belong_to_its_current_version(app, account, copy_thread, reviewer):
    post(reviewer, account, copy_thread, "On version one.")
    with app.app_context():
        draft = db.session.get(Draft, copy_thread.draft_id)
        make_version(draft, account.writer, body=COPY + " Now revised.")
    post(reviewer, account, copy_thread, "On version two.")

    versions = rows(app, Version, Version.draft_id == copy_thread.draft_id)
    assert [c.version_id for c in comments_in(app, copy_thread)] == [v.id for v in versions]


# --- two browsers at once ------------------------------------------------------------------


def test_two_people_posting_at_the_same_time_lose_no_comment(app, account, thread, new_browser):
    browsers = [
        browser_for(new_browser, account.reviewer),
        browser_for(new_browser, account.writer),
    ]
    start = threading.Barrier(len(browsers))
    statuses, errors = [], []

    def post_ten(browser, who):
        try:
            start.wait()
            for n in range(10):
                statuses.append(post(browser, account, thread, f"{who} #{n}").status_code)
        except Exception as error:  # re-raised in the test below
            errors.append(error)

    workers = [threading.Thread(target=post_ten, args=(b, i)) for i, b in enumerate(browsers)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert errors == []
    assert statuses == [302] * 20
    bodies = [c.body for c in comments_in(app, thread)][1:]
    assert sorted(bodies) == sorted(f"{who} #{n}" for who in (0, 1) for n in range(10))
