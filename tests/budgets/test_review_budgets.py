"""The draft page, a thread with its fragments, and the inbox: as many queries at 1,000 as 10."""

import pytest
from sqlalchemy import select, update

from portal import counting
from portal.clients.services import PROJECTS_PER_PAGE
from portal.drafts.pages import MAX_MARKERS
from portal.drafts.services import DRAFTS_PER_PAGE, draft_thread
from portal.extensions import db
from portal.models import (
    ApprovalRule,
    ClientRole,
    Comment,
    Decision,
    Draft,
    DraftKind,
    DraftReviewer,
    Project,
    Thread,
    User,
    UserKind,
    Verdict,
    Version,
)
from portal.threads.answers import refresh_answers
from portal.threads.services import PAGE_SIZE
from tests.drafts.helpers import pdf_bytes
from tests.factories import sign_in
from tests.queries import describe, rows_for, statements_for
from tests.review import make_draft_in_review


@pytest.fixture
def image_draft(app, account) -> Draft:
    """The designer's image draft, its version 1 up for the reviewer's decision."""
    with app.app_context():
        return make_draft_in_review(account, DraftKind.IMAGE)


def add_comments(app, account, thread_id, how_many, version_id=None):
    """Bulk-add comments to a thread: client comments by both reviewers, staff replies by the
    writer and the designer, some of them staff-only notes; pins too, on ``version_id``. Rows
    written around the services get their answers recomputed, as the services keep them."""
    authors = (account.reviewer, account.writer, account.second_reviewer, account.designer)
    with app.app_context():
        db.session.add_all(
            Comment(
                thread_id=thread_id,
                client_id=account.client.id,
                author_id=authors[n % len(authors)].id,
                from_client=authors[n % len(authors)].is_client,
                body=f"Comment {n}",
                body_html=f"<p>Comment {n}</p>",
                internal=n % 7 == 0 and n % 2 == 1,
                version_id=version_id,
                anchor={"type": "point", "x": 0.5, "y": 0.5} if version_id and n % 5 == 0 else None,
            )
            for n in range(how_many)
        )
        refresh_answers()
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
                                   author_id=account.reviewer.id, from_client=True,
                                   body="Question?", body_html="<p>Question?</p>"))  # fmt: skip
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


def test_a_backlog_past_the_count_cap_is_counted_no_further(
    app, client, account, image_draft, monkeypatch
):
    monkeypatch.setattr(counting, "COUNT_CAP", 40)
    sign_in(client, account.designer)
    add_waiting_work(app, account, 45)
    page = client.get("/inbox").text
    assert '<span class="count">40+</span>' in page
    assert "Showing the first 50 of" not in page  # 45 fit on the page: nothing more to say


def test_the_account_managers_inbox_costs_the_same_with_10_or_1000_client_comments(
    app, client, account, thread
):
    """Client comments waiting on drafts, and a long thread of questions, answers and notes."""
    sign_in(client, account.manager)
    add_waiting_work(app, account, 5)
    add_comments(app, account, thread.id, 10)
    few = statements_for(app, client, "/inbox")
    add_waiting_work(app, account, 495)
    add_comments(app, account, thread.id, 990)
    many = statements_for(app, client, "/inbox")
    assert few == many, describe(many)
    # The 500 draft questions; the thread ends with an answer, so none of its comments wait.
    waiting = 'Clients waiting on the agency <span class="count">500</span>'
    assert waiting in client.get("/inbox").text


def anchor_every_comment(app, thread_id, version_id, anchor):
    """Point every comment of the thread at ``version_id``, all at the same ``anchor``."""
    with app.app_context():
        db.session.execute(
            update(Comment)
            .where(Comment.thread_id == thread_id)
            .values(version_id=version_id, anchor=anchor)
        )
        db.session.commit()


ANCHORS = {
    DraftKind.IMAGE: {"type": "point", "x": 0.25, "y": 0.75},
    DraftKind.COPY: {"type": "passage", "start": 0, "end": 5, "quote": "Fresh"},
}


@pytest.mark.parametrize("kind", [DraftKind.IMAGE, DraftKind.COPY])
@pytest.mark.parametrize("persona", ["reviewer", "designer"])
def test_the_draft_page_reads_a_bounded_number_of_rows_with_10_or_1000_anchored_comments(
    app, client, account, persona, kind
):
    """Pins and passages are light rows, capped; comment bodies only for the page shown."""
    sign_in(client, getattr(account, persona))
    with app.app_context():
        draft = make_draft_in_review(account, kind)
        thread_id = draft_thread(db.session.get(Draft, draft.id)).id
        version_id = db.session.scalar(select(Version.id).where(Version.draft_id == draft.id))
    url = account.draft_url(draft)
    add_comments(app, account, thread_id, 10)
    anchor_every_comment(app, thread_id, version_id, ANCHORS[kind])
    few, few_rows = statements_for(app, client, url), rows_for(app, client, url)
    add_comments(app, account, thread_id, 990)
    anchor_every_comment(app, thread_id, version_id, ANCHORS[kind])
    many, many_rows = statements_for(app, client, url), rows_for(app, client, url)
    assert len(few) == len(many), describe(many)
    # At most a page of comments and the cap of markers more than with 10 of each.
    assert many_rows <= few_rows + PAGE_SIZE + MAX_MARKERS, (few_rows, many_rows)


PDF_PAGES = 40


def pin_every_comment_across_pages(app, thread_id, version_id):
    """Point every comment of the thread at ``version_id``: pins and areas spread over the
    PDF's pages."""
    with app.app_context():
        ids = db.session.scalars(select(Comment.id).where(Comment.thread_id == thread_id)).all()
        db.session.execute(
            update(Comment),
            [
                {
                    "id": comment_id,
                    "version_id": version_id,
                    "anchor": {"type": "rect", "page": n % PDF_PAGES + 1, "x": 0.1, "y": 0.2,
                               "w": 0.3, "h": 0.2}
                    if n % 2
                    else {"type": "point", "page": n % PDF_PAGES + 1, "x": 0.5, "y": 0.5},
                }
                for n, comment_id in enumerate(ids)
            ],
        )  # fmt: skip
        db.session.commit()


@pytest.mark.parametrize("persona", ["reviewer", "designer"])
def test_a_pdf_draft_page_costs_the_same_with_10_or_1000_pins_on_its_pages(
    app, client, account, persona
):
    """A 40-page PDF drawn as images: its pages cost no query, its pins one light one."""
    sign_in(client, getattr(account, persona))
    with app.app_context():
        draft = make_draft_in_review(account, DraftKind.PDF, image=pdf_bytes(pages=PDF_PAGES))
        thread_id = draft_thread(db.session.get(Draft, draft.id)).id
        version_id = db.session.scalar(select(Version.id).where(Version.draft_id == draft.id))
    url = account.draft_url(draft)
    add_comments(app, account, thread_id, 10)
    pin_every_comment_across_pages(app, thread_id, version_id)
    few, few_rows = statements_for(app, client, url), rows_for(app, client, url)
    add_comments(app, account, thread_id, 990)
    pin_every_comment_across_pages(app, thread_id, version_id)
    many, many_rows = statements_for(app, client, url), rows_for(app, client, url)
    assert len(few) == len(many), describe(many)
    assert many_rows <= few_rows + PAGE_SIZE + MAX_MARKERS, (few_rows, many_rows)
    page = client.get(url).text
    assert page.count("data-page=") == PDF_PAGES
    assert page.count('aria-label="Pin ') + page.count('aria-label="Area ') == MAX_MARKERS


# The rows one more draft on the project page reads: itself (with its maker), its latest
# version, and its waiting client question (no decisions yet).
ROWS_PER_LISTED_DRAFT = 3


@pytest.mark.parametrize("persona", ["reviewer", "designer"])
def test_the_project_page_reads_one_page_of_drafts_with_10_or_300_drafts(
    app, client, account, persona
):
    sign_in(client, getattr(account, persona))
    url = f"{account.base}/projects/{account.project.id}"
    add_waiting_work(app, account, 10)
    few, few_rows = statements_for(app, client, url), rows_for(app, client, url)
    add_waiting_work(app, account, 290)
    many, many_rows = statements_for(app, client, url), rows_for(app, client, url)
    assert len(few) == len(many), describe(many)
    extra_drafts_shown = DRAFTS_PER_PAGE - 10
    assert many_rows <= few_rows + ROWS_PER_LISTED_DRAFT * extra_drafts_shown, (few_rows, many_rows)


def add_projects(app, account, count: int) -> None:
    with app.app_context():
        db.session.add_all(
            Project(client_id=account.client.id, name=f"Campaign {n:03}",
                    created_by_id=account.writer.id)
            for n in range(count)
        )  # fmt: skip
        db.session.commit()


def test_the_client_home_reads_one_page_of_projects_with_2_or_60_projects(app, client, account):
    sign_in(client, account.reviewer)
    add_projects(app, account, 1)  # and the account's own project
    few, few_rows = statements_for(app, client, account.base), rows_for(app, client, account.base)
    add_projects(app, account, 58)
    many, many_rows = statements_for(app, client, account.base), rows_for(app, client, account.base)
    assert len(few) == len(many), describe(many)
    assert many_rows <= few_rows + (PROJECTS_PER_PAGE - 2), (few_rows, many_rows)
    first, third = client.get(account.base).text, client.get(f"{account.base}?page=3").text
    assert first.count('<li class="card">') == PROJECTS_PER_PAGE and "Page 1 of 3" in first
    assert third.count('<li class="card">') == 10 and 'rel="prev"' in third


def add_reviewers(app, account, first: int, how_many: int) -> None:
    """``how_many`` more of the client's people, numbered from ``first``, each reviewing
    every draft of the project under the all-reviewers rule; every other one approved each
    draft's newest version."""
    with app.app_context():
        people = [
            User(email=f"reviewer{n}@northwind.test", name=f"Reviewer {n:03}", password_hash="-",
                 kind=UserKind.CLIENT, role=ClientRole.MEMBER, client_id=account.client.id)
            for n in range(first, first + how_many)
        ]  # fmt: skip
        db.session.add_all(people)
        drafts = db.session.scalars(
            select(Draft).where(Draft.project_id == account.project.id)
        ).all()
        db.session.flush()
        for draft in drafts:
            draft.approval_rule = ApprovalRule.ALL
            latest = db.session.scalar(
                select(Version).where(Version.draft_id == draft.id).order_by(Version.number.desc())
            )
            db.session.add_all(DraftReviewer(draft_id=draft.id, user_id=p.id) for p in people)
            db.session.add_all(
                Decision(version_id=latest.id, draft_id=draft.id, user_id=person.id,
                         verdict=Verdict.APPROVED)
                for n, person in enumerate(people, start=first)
                if n % 2 == 0
            )  # fmt: skip
        db.session.commit()


@pytest.mark.parametrize("persona", ["reviewer", "designer"])
def test_the_draft_page_costs_the_same_with_5_or_62_reviewers(
    app, client, account, image_draft, persona
):
    """Each reviewer is a line of the decision panel; the team's form offers each of them."""
    sign_in(client, getattr(account, persona))
    url = account.draft_url(image_draft)
    add_reviewers(app, account, 0, 3)
    few = statements_for(app, client, url)
    add_reviewers(app, account, 3, 57)
    many = statements_for(app, client, url)
    assert len(few) == len(many), describe(many)
    page = client.get(url).text
    assert "30 of 62 approved" in page
    assert page.count('<li class="decision decision-') == 62


@pytest.mark.parametrize("persona", ["reviewer", "designer"])
def test_the_project_page_costs_the_same_with_5_or_62_reviewers_per_draft(
    app, client, account, persona
):
    """Every listed draft's status follows its reviewers: all of them loaded in one query."""
    sign_in(client, getattr(account, persona))
    url = f"{account.base}/projects/{account.project.id}"
    add_waiting_work(app, account, 10)
    add_reviewers(app, account, 0, 3)
    few = statements_for(app, client, url)
    add_reviewers(app, account, 3, 57)
    many = statements_for(app, client, url)
    assert len(few) == len(many), describe(many)
