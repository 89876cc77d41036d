"""View as client in a real browser: the account manager starts it from the people page,
reads a draft as Hannah under the banner without marking anything read for her (no read mark
is even sent, so no error shows), and stops it."""

from playwright.sync_api import expect
from sqlalchemy import select

from portal.drafts.services import draft_thread
from portal.extensions import db
from portal.models import Subscription
from tests.e2e.axe import serious_violations
from tests.factories import make_comment
from tests.review import make_draft_in_review


def subscriptions(app, user_id):
    with app.app_context():
        return db.session.execute(
            select(Subscription.thread_id, Subscription.last_read_comment_id).where(
                Subscription.user_id == user_id
            )
        ).all()


def test_the_account_manager_reads_a_draft_as_the_client_and_stops(app, account, open_browser):
    with app.app_context():
        draft = make_draft_in_review(account, title="Homepage intro")
        make_comment(draft_thread(draft), account.writer, "Over to you, Hannah.")
    hannah = account.reviewer
    unread_before = subscriptions(app, hannah.id)
    page = open_browser(account.manager)

    page.goto(f"{account.base}/people")
    page.get_by_role("button", name="View as Hannah Client").click()
    page.wait_for_url(f"**{account.base}")
    banner = page.get_by_role("region", name="Viewing as a client")
    expect(banner).to_contain_text("You are viewing as Hannah Client of Northwind — read-only.")
    assert serious_violations(page) == []

    page.goto(account.draft_url(draft))
    expect(page.locator("#comments-list")).to_contain_text("Over to you, Hannah.")
    expect(banner).to_be_visible()
    expect(page.locator("[data-request-error]")).to_have_count(0)
    assert subscriptions(app, hannah.id) == unread_before

    banner.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("You stopped viewing as Hannah Client of Northwind.")).to_be_visible()
    expect(page.get_by_role("region", name="Viewing as a client")).to_have_count(0)
    assert page.url.endswith(account.draft_url(draft))
