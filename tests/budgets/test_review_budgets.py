"""The draft page, a thread with its fragments, and the inbox: as many queries at 1,000 as 10."""

import pytest
from sqlalchemy import select

from portal.drafts.services import draft_thread
from portal.extensions import db
from portal.models import Comment, Draft, DraftKind, Thread, Version
from tests.factories import sign_in
from tests.queries import describe, statements_for
from tests.review import make_draft_in_review


@pytest.fixture
def image_draft(app, account) -> Draft:
    """The designer's image draft, its version 1 up for the reviewer's decision."""
    with app.app_context():
        return make_draft_in_review(account, DraftKind.IMAGE)


def add_comments(app, account, thread_id, how_many, version_id=None):
    """Bulk-add comments to a thread: client comments by both reviewers, staff replies by the
    writer and the designer, some of them staff-only notes; pins too, on ``version_id``."""
    authors = (account.reviewer, account.writer, account.second_reviewer, account.designer)
    with app.app_context():
        db.session.add_all(
            Comment(
                thread_id=thread_id,
                client_id=account.client.id,
                author_id=authors[n % len(authors)].id,
                body=f"Comment {n}",
                body_html=f"<p>Comment {n}</p>",
                internal=n % 7 == 0 and n % 2 == 1,
                version_id=version_id,
                anchor={"type": "point", "x": 0.5, "y": 0.5} if version_id and n % 5 == 0 else None,
            )
            for n in range(how_many)
        )
        db.session.commit()


def thread_url(app, account, thread, what: str) -> str:
    """Where ``what`` of ``thread`` is read as it stands: the thread's page, the polling
    fragment after its opening comment (all since), or the older comments before its newest."""
    with app.app_context():
        ids = db.session.scalars(
            select(Comment.id).where(Comment.thread_id == thread.id).order_by(Comment.id)
        ).all()
    return {
        "page": account.thread_url(thread),
        "polling": account.thread_url(thread, f"/comments?after={ids[0]}"),
        "older": account.thread_url(thread, f"/comments/older?before={ids[-1]}"),
    }[what]


@pytest.mark.parametrize("persona", ["reviewer", "designer"])
def test_the_draft_page_costs_the_same_with_10_or_1000_comments(
    app, client, account, image_draft, persona
):
    sign_in(client, getattr(account, persona))
    with app.app_context():
        thread_id = draft_thread(db.session.get(Draft, image_draft.id)).id
        version_id = db.session.scalar(select(Version.id).where(Version.draft_id == image_draft.id))
    url = account.draft_url(image_draft)
    add_comments(app, account, thread_id, 10, version_id)
    few = statements_for(app, client, url)
    add_comments(app, account, thread_id, 990, version_id)
    many = statements_for(app, client, url)
    assert len(few) == len(many), describe(many)


@pytest.mark.parametrize("what", ["page", "polling", "older"])
@pytest.mark.parametrize("persona", ["reviewer", "writer"])
def test_a_thread_costs_the_same_with_10_or_1000_comments(
    app, client, account, thread, persona, what
):
    """The project thread's page, its polling fragment and its older-comments fragment."""
    sign_in(client, getattr(account, persona))
    add_comments(app, account, thread.id, 10)
    few = statements_for(app, client, thread_url(app, account, thread, what))
    add_comments(app, account, thread.id, 990)
    many = statements_for(app, client, thread_url(app, account, thread, what))
    assert len(few) == len(many), describe(many)


def add_waiting_work(app, account, how_many):
    """Drafts waiting for the client's decision, and client comments waiting on the agency."""
    with app.app_context():
        client_id, project_id = account.client.id, account.project.id
        drafts = [
            Draft(client_id=client_id, project_id=project_id, title=f"Draft {n}",
                  kind=DraftKind.COPY, maker_id=account.designer.id)
            for n in range(how_many)
        ]  # fmt: skip
        db.session.add_all(drafts)
        db.session.flush()
        threads = [
            Thread(client_id=client_id, project_id=project_id, draft_id=d.id, kind="draft",
                   title=d.title)
            for d in drafts
        ]  # fmt: skip
        db.session.add_all(threads)
        db.session.flush()
        for draft, thread in zip(drafts, threads, strict=True):
            db.session.add(Version(draft_id=draft.id, client_id=client_id, number=1,
                                   body="Copy", author_id=account.designer.id))  # fmt: skip
            db.session.add(Comment(thread_id=thread.id, client_id=client_id,
                                   author_id=account.reviewer.id, body="Question?",
                                   body_html="<p>Question?</p>"))  # fmt: skip
        db.session.commit()


@pytest.mark.parametrize("persona", ["reviewer", "designer"])
def test_the_inbox_costs_the_same_with_5_or_500_waiting_items(
    app, client, account, image_draft, persona
):
    sign_in(client, getattr(account, persona))
    add_waiting_work(app, account, 5)
    few = statements_for(app, client, "/inbox")
    add_waiting_work(app, account, 495)
    many = statements_for(app, client, "/inbox")
    assert len(few) == len(many), describe(many)
    # The reviewer also has the image draft to decide on.
    expected_total = {"reviewer": 501, "designer": 500}[persona]
    assert f'<span class="count">{expected_total}</span>' in client.get("/inbox").text
