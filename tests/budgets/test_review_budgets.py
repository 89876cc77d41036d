"""The draft page and the inbox cost the same number of queries at 10 or 1,000 rows."""

import pytest

from portal.drafts.services import draft_thread
from portal.extensions import db
from portal.models import ClientRole, Comment, Draft, DraftKind, StaffRole, Thread, Version
from tests.factories import (
    assign,
    make_client,
    make_client_user,
    make_draft,
    make_project,
    make_staff,
    make_version,
    sign_in,
)
from tests.queries import describe, statements_for


@pytest.fixture
def account(app):
    """A client with a reviewer, a creative on the team and an image draft with one version."""
    with app.app_context():
        client = make_client("Budget", slug="budget")
        reviewer = make_client_user(client, ClientRole.MEMBER)
        creative = make_staff(StaffRole.CREATIVE)
        assign(client, creative)
        project = make_project(client)
        draft = make_draft(project, creative, DraftKind.IMAGE)
        version = make_version(draft, creative)
        return {"client": client, "reviewer": reviewer, "creative": creative,
                "project": project, "draft": draft, "version": version}  # fmt: skip


def add_comments(app, account, how_many):
    """Bulk-add comments to the draft's thread: client pins, staff replies and staff notes."""
    with app.app_context():
        thread = draft_thread(db.session.get(Draft, account["draft"].id))
        authors = (account["reviewer"].id, account["creative"].id)
        db.session.add_all(
            Comment(
                thread_id=thread.id,
                client_id=account["client"].id,
                author_id=authors[n % 2],
                body=f"Comment {n}",
                body_html=f"<p>Comment {n}</p>",
                internal=n % 7 == 0 and n % 2 == 1,
                version_id=account["version"].id,
                anchor={"type": "point", "x": 0.5, "y": 0.5} if n % 5 == 0 else None,
            )
            for n in range(how_many)
        )
        db.session.commit()


@pytest.mark.parametrize("persona", ["reviewer", "creative"])
def test_the_draft_page_costs_the_same_with_10_or_1000_comments(app, client, account, persona):
    sign_in(client, account[persona])
    url = f"/clients/budget/drafts/{account['draft'].id}"
    add_comments(app, account, 10)
    few = statements_for(app, client, url)
    add_comments(app, account, 990)
    many = statements_for(app, client, url)
    assert len(few) == len(many), describe(many)


def add_waiting_work(app, account, how_many):
    """Drafts waiting for the client's decision, and client comments waiting on the agency."""
    with app.app_context():
        client_id, project_id = account["client"].id, account["project"].id
        drafts = [
            Draft(client_id=client_id, project_id=project_id, title=f"Draft {n}",
                  kind=DraftKind.COPY, maker_id=account["creative"].id)
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
                                   body="Copy", author_id=account["creative"].id))  # fmt: skip
            db.session.add(Comment(thread_id=thread.id, client_id=client_id,
                                   author_id=account["reviewer"].id, body="Question?",
                                   body_html="<p>Question?</p>"))  # fmt: skip
        db.session.commit()


@pytest.mark.parametrize("persona", ["reviewer", "creative"])
def test_the_inbox_costs_the_same_with_5_or_500_waiting_items(app, client, account, persona):
    sign_in(client, account[persona])
    add_waiting_work(app, account, 5)
    few = statements_for(app, client, "/inbox")
    add_waiting_work(app, account, 495)
    many = statements_for(app, client, "/inbox")
    assert len(few) == len(many), describe(many)
    # The reviewer also has the account's own draft to decide on.
    expected_total = {"reviewer": 501, "creative": 500}[persona]
    assert f'<span class="count">{expected_total}</span>' in client.get("/inbox").text
