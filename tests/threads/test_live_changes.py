"""Polling brings more than new comments: others' edits, resolves and deletions, and on a draft
its status and decisions, without a reload; a staff-only change leaves a client's page alone."""

import re
from html import unescape

from portal.extensions import db
from portal.models import Draft, DraftKind
from tests.drafts.helpers import HTMX, comment_fields, decide, draft_thread, text_of
from tests.factories import make_comment, make_version
from tests.review import make_draft_in_review


def poller_url(html: str) -> str:
    """Where the page's (or fragment's) poller asks next."""
    poller = re.search(r'<div id="comment-poller"[^>]*hx-get="([^"]+)"', html)
    return unescape(poller.group(1))


def poll(browser, url):
    return browser.get(url, headers=HTMX)


def test_an_edit_by_someone_else_is_redrawn_in_place(app, account, thread, reviewer, writer):
    with app.app_context():
        answer = make_comment(thread, account.writer, "Early April.")
    url = poller_url(text_of(reviewer.get(account.thread_url(thread))))
    assert poll(reviewer, url).status_code == 204

    response = writer.post(
        account.comment_url(answer, "edit"), data={"body": "Mid April.", "revision": "1"}
    )
    assert response.status_code == 302
    changed = poll(reviewer, url)
    assert changed.status_code == 200
    html = text_of(changed)
    redrawn = re.search(rf'<li id="comment-{answer.id}"[^>]*>', html).group(0)
    assert 'hx-swap-oob="true"' in redrawn
    assert "Mid April." in html
    # The fragment carries the new stamp: asking again with it, nothing more has changed.
    assert poll(reviewer, poller_url(html)).status_code == 204


def test_resolves_and_deletions_are_redrawn(app, account, thread, reviewer, writer):
    with app.app_context():
        answer = make_comment(thread, account.writer, "Early April.")
    url = poller_url(text_of(reviewer.get(account.thread_url(thread))))
    writer.post(account.comment_url(answer, "delete"))
    html = text_of(poll(reviewer, url))
    assert re.search(rf'<li id="comment-{answer.id}"[^>]*hx-swap-oob="true"', html)
    assert "This comment was deleted." in html


def test_a_staff_only_note_changes_nothing_a_client_polls(app, account, thread, reviewer, writer):
    url = poller_url(text_of(reviewer.get(account.thread_url(thread))))
    posted = writer.post(
        account.thread_url(thread, "/comments"),
        data=comment_fields("Between us: launch slips.", internal="y"),
    )
    assert posted.status_code == 302
    assert poll(reviewer, url).status_code == 204
    staff_url = poller_url(text_of(writer.get(account.thread_url(thread))))
    assert poll(writer, staff_url).status_code == 204


def test_a_decision_updates_the_status_on_the_makers_page(app, account, reviewer, writer):
    with app.app_context():
        draft = make_draft_in_review(account, title="Homepage intro")
    thread = draft_thread(app, draft)
    url = poller_url(text_of(writer.get(account.draft_url(draft))))
    assert poll(writer, url).status_code == 204

    assert decide(reviewer, account, draft, "approved").status_code == 302
    html = text_of(poll(writer, url))
    state = re.search(r'<p class="draft-meta" id="draft-state"[^>]*>(.*?)</p>', html, flags=re.S)
    assert state and 'hx-swap-oob="true"' in html[state.start() : state.start() + 80]
    assert "Approved" in state.group(1)
    assert f"/threads/{thread.id}/comments?" in url


def test_a_new_version_is_announced_not_drawn_over_the_one_on_screen(app, account, reviewer):
    with app.app_context():
        draft = make_draft_in_review(account, DraftKind.IMAGE, title="Bag label")
    url = poller_url(text_of(reviewer.get(account.draft_url(draft))))
    with app.app_context():
        make_version(db.session.get(Draft, draft.id), account.designer)

    html = text_of(poll(reviewer, url))
    notice = re.search(r'<p id="newer-version"[^>]*>(.*?)</p>', html, flags=re.S)
    assert notice and "Version 2 is up for review." in notice.group(1)
    assert 'id="pins-' not in html and 'id="decision-status"' not in html


def test_a_new_decision_redraws_the_reviewers_dots(app, account, reviewer, writer):
    with app.app_context():
        draft = make_draft_in_review(account, title="Homepage intro")
    url = poller_url(text_of(writer.get(account.draft_url(draft))))
    assert (
        decide(reviewer, account, draft, "changes_requested", "Name the farm.").status_code == 302
    )
    html = text_of(poll(writer, url))
    status = re.search(r'<div id="decision-status" hx-swap-oob="true">(.*?)</div>', html, re.S)
    assert status and "Changes requested" in status.group(1) and "Hannah Client" in status.group(1)
