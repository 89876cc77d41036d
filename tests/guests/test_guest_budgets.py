"""Query budgets: the draft page with its guests panel, and the guest's own view of the draft
and its polling fragment, cost the same with few or many guests and comments."""

from sqlalchemy import select

from portal.drafts.services import draft_thread
from portal.extensions import db
from portal.models import Comment, Version
from tests.budgets.test_review_budgets import add_comments
from tests.factories import make_guest, sign_in
from tests.queries import describe, statements_for
from tests.review import browser_for


def add_guests(app, draft, how_many: int) -> None:
    with app.app_context():
        for n in range(how_many):
            make_guest(draft, f"budget-{draft.id}-{n}-{how_many}", may_decide=n % 2 == 0)


def test_the_draft_page_with_its_guests_costs_the_same_with_1_or_30_guests(
    app, new_browser, account, image_draft
):
    designer = browser_for(new_browser, account.designer)
    url = account.draft_url(image_draft)
    add_guests(app, image_draft, 1)
    few = statements_for(app, designer, url)
    add_guests(app, image_draft, 29)
    many = statements_for(app, designer, url)
    assert len(few) == len(many), describe(many)


def test_the_guests_view_costs_the_same_with_10_or_1000_comments(
    app, new_browser, account, image_draft
):
    with app.app_context():
        grant = make_guest(image_draft, "budget-guest", may_decide=True)
        thread = draft_thread(image_draft)
        version_id = db.session.scalar(select(Version.id).where(Version.draft_id == image_draft.id))
    guest = new_browser()
    sign_in(guest, grant.guest, grant)
    add_comments(app, account, thread.id, 10, version_id)
    with app.app_context():
        first = db.session.scalar(select(Comment.id).where(Comment.thread_id == thread.id))
    urls = (account.draft_url(image_draft), account.thread_url(thread, f"/comments?after={first}"))
    few = [statements_for(app, guest, url) for url in urls]
    add_comments(app, account, thread.id, 990, version_id)
    many = [statements_for(app, guest, url) for url in urls]
    for page_few, page_many in zip(few, many, strict=True):
        assert len(page_few) == len(page_many), describe(page_many)
