"""A draft's discussion across versions costs the same statements however many versions,
replies and comments it has: the page, its "this version" filter, and a live redraw."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Comment, Draft, Version
from portal.threads.answers import refresh_answers
from tests.drafts.helpers import draft_thread
from tests.factories import make_version, sign_in
from tests.queries import describe, statements_for
from tests.review import make_draft_in_review


def add_discussion(app, account, draft, how_many: int) -> None:
    """``how_many`` comments on ``draft``'s newest version, every other one a reply to the
    comment before it, each quoting a passage some of the time."""
    with app.app_context():
        thread = draft_thread(app, draft)
        version_id = db.session.scalar(
            select(Version.id).where(Version.draft_id == draft.id).order_by(Version.id.desc())
        )
        authors = (account.reviewer, account.writer, account.second_reviewer)
        parent = None
        for n in range(how_many):
            author = authors[n % len(authors)]
            comment = Comment(
                thread_id=thread.id,
                client_id=account.client.id,
                author_id=author.id,
                from_client=author.is_client,
                body=f"Comment {n}",
                body_html=f"<p>Comment {n}</p>",
                version_id=version_id,
                reply_to_id=parent.id if parent is not None and n % 2 else None,
                anchor=(
                    {"type": "passage", "start": 0, "end": 4, "quote": "Gone"}
                    if n % 3 == 0
                    else None
                ),
            )
            db.session.add(comment)
            db.session.flush()
            parent = None if n % 2 else comment
        refresh_answers()
        db.session.commit()


def add_versions(app, account, draft, how_many: int) -> None:
    with app.app_context():
        for n in range(how_many):
            make_version(db.session.get(Draft, draft.id), account.writer, body=f"Copy, take {n}.")


@pytest.mark.parametrize("query", ["", "?comments=version", "?v=1"])
def test_the_draft_page_costs_the_same_with_2_or_12_versions_and_many_replies(
    app, client, account, query
):
    with app.app_context():
        draft = make_draft_in_review(account, body="Gone in the next version.")
    sign_in(client, account.reviewer)
    url = account.draft_url(draft) + query
    add_versions(app, account, draft, 1)
    add_discussion(app, account, draft, 6)
    few = statements_for(app, client, url)
    add_versions(app, account, draft, 10)
    add_discussion(app, account, draft, 300)
    many = statements_for(app, client, url)
    assert len(few) == len(many), describe(many)


def test_a_live_redraw_costs_the_same_with_10_or_200_comments_on_screen(app, client, account):
    with app.app_context():
        draft = make_draft_in_review(account, body="Gone in the next version.")
    thread = draft_thread(app, draft)
    sign_in(client, account.writer)

    def redraw_url() -> str:
        with app.app_context():
            ids = db.session.scalars(
                select(Comment.id).where(Comment.thread_id == thread.id).order_by(Comment.id)
            ).all()
        # A stamp that no longer matches: everything on screen is redrawn.
        return account.thread_url(thread, f"/comments?after={ids[-1]}&first={ids[0]}&stamp=stale")

    add_discussion(app, account, draft, 10)
    few = statements_for(app, client, redraw_url())
    add_discussion(app, account, draft, 190)
    many = statements_for(app, client, redraw_url())
    assert len(few) == len(many), describe(many)
