"""Live updates by polling, and paging back through long threads."""

import re

import pytest

from portal.models import Comment
from tests.drafts.helpers import HTMX, comment_fields, comment_ids, rows, text_of
from tests.factories import make_comment


def last_id(app, thread) -> int:
    return rows(app, Comment, Comment.thread_id == thread.id)[-1].id


def poll(browser, account, thread, after):
    return browser.get(account.thread_url(thread, f"/comments?after={after}"), headers=HTMX)


def test_polling_with_nothing_new_answers_204_and_nothing_else(app, account, thread, reviewer):
    response = poll(reviewer, account, thread, last_id(app, thread))
    assert response.status_code == 204
    assert response.data == b""


def test_polling_after_someone_else_posts_brings_their_comment_and_a_moved_poller(
    app, account, thread, reviewer, writer
):
    seen = last_id(app, thread)
    writer.post(account.thread_url(thread, "/comments"), data=comment_fields("Early April."))
    new_id = last_id(app, thread)

    response = poll(reviewer, account, thread, seen)
    html = text_of(response)
    assert response.status_code == 200
    assert "<html" not in html
    assert comment_ids(html) == [new_id]
    assert "Early April." in html
    poller = re.search(r'<div id="comment-poller"[^>]*>', html).group(0)
    assert 'hx-swap-oob="true"' in poller
    assert f'hx-get="/clients/northwind/threads/{thread.id}/comments?after={new_id}&' in poller
    marker = re.search(r'<div id="read-marker"[^>]*>', html).group(0)
    assert f'"up_to": {new_id}' in marker and 'hx-swap-oob="true"' in marker

    assert poll(reviewer, account, thread, new_id).status_code == 204


def test_the_page_carries_a_poller_from_its_newest_comment(app, account, thread, reviewer):
    html = text_of(reviewer.get(account.thread_url(thread)))
    poller = re.search(r'<div id="comment-poller"[^>]*>', html).group(0)
    assert f"comments?after={last_id(app, thread)}" in poller
    assert "hx-swap-oob" not in poller


@pytest.fixture
def long_thread(app, account, thread):
    """60 comments in all, alternating between the reviewer and the writer."""
    with app.app_context():
        for n in range(2, 61):
            author = account.writer if n % 2 else account.reviewer
            make_comment(thread, author, f"Comment number {n}.")
    return thread


def test_a_long_thread_shows_its_newest_50_and_a_link_to_older_ones(
    app, account, long_thread, reviewer
):
    every_id = [c.id for c in rows(app, Comment, Comment.thread_id == long_thread.id)]
    assert len(every_id) == 60
    html = text_of(reviewer.get(account.thread_url(long_thread)))

    assert comment_ids(html) == every_id[10:]
    assert "Show older comments" in html
    assert f"/comments/older?before={every_id[10]}" in html
    assert "When do we launch?" not in html


def test_older_comments_bring_the_rest_of_the_thread(app, account, long_thread, reviewer):
    every_id = [c.id for c in rows(app, Comment, Comment.thread_id == long_thread.id)]
    response = reviewer.get(
        account.thread_url(long_thread, f"/comments/older?before={every_id[10]}"), headers=HTMX
    )
    html = text_of(response)
    assert response.status_code == 200
    assert "<html" not in html
    assert comment_ids(html) == every_id[:10]
    assert "When do we launch?" in html
    assert "Show older comments" not in html


def test_older_comments_need_a_starting_point(account, thread, reviewer):
    assert reviewer.get(account.thread_url(thread, "/comments/older")).status_code == 400
