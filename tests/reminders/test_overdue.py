"""Reviews past their due date: in the staff inbox (at a fixed cost, never a client's, never
another account's) and in the client's relationship health."""

import time_machine

from portal.extensions import db
from portal.health.snapshots import assess_clients
from portal.models import Draft, DraftKind, DraftReviewer, Thread, Version
from tests.factories import sign_in
from tests.queries import describe, statements_for
from tests.reminders.helpers import MONDAY, at, page_at, signed_in

SECTION = "Reviews past their due date"


def add_overdue_reviews(app, account, how_many):
    """Drafts whose version 1 was due last week, still waiting for both reviewers."""
    with app.app_context():
        client_id, project_id = account.client.id, account.project.id
        drafts = [
            Draft(client_id=client_id, project_id=project_id, title=f"Late {n}",
                  kind=DraftKind.COPY, maker_id=account.writer.id, review_due_at=at(1, 17),
                  created_at=at(1, 9))
            for n in range(how_many)
        ]  # fmt: skip
        db.session.add_all(drafts)
        db.session.flush()
        for draft in drafts:
            db.session.add(Thread(client_id=client_id, project_id=project_id, draft_id=draft.id,
                                  kind="draft", title=draft.title))  # fmt: skip
            db.session.add(Version(draft_id=draft.id, client_id=client_id, number=1, body="Copy",
                                   author_id=account.writer.id, created_at=at(1, 9)))  # fmt: skip
            for reviewer in (account.reviewer, account.second_reviewer):
                db.session.add(DraftReviewer(draft_id=draft.id, user_id=reviewer.id))
        db.session.commit()


def test_staff_on_the_account_see_overdue_reviews_in_their_inbox(app, account, review, new_browser):
    friday = at(11, 10)
    before = page_at(signed_in(new_browser, account.manager, MONDAY), "/inbox", MONDAY)
    assert SECTION not in before  # not due yet
    manager = signed_in(new_browser, account.manager, friday)
    inbox = page_at(manager, "/inbox", friday)
    assert f'{SECTION} <span class="count">1</span>' in inbox
    assert "Homepage intro</a>, version 1" in inbox
    assert "decision was due 10 Dec 2026, 17:00 UTC" in inbox
    # The reviewer sees it to decide, with its due time, but no list of overdue reviews.
    hannah = page_at(signed_in(new_browser, account.reviewer, friday), "/inbox", friday)
    assert SECTION not in hannah and "decision due 10 Dec 2026, 17:00 GMT" in hannah
    # Another account's staff see none of it.
    other = page_at(signed_in(new_browser, account.other_staff, friday), "/inbox", friday)
    assert SECTION not in other and "Homepage intro" not in other


def test_an_overdue_review_leaves_the_inbox_once_decided(app, account, review, new_browser):
    friday = at(11, 10)
    hannah = signed_in(new_browser, account.reviewer, friday)
    with time_machine.travel(friday, tick=False):
        page = hannah.get(account.draft_url(review)).text
        version_id = page.split('name="version_id" value="')[1].split('"')[0]
        decided = hannah.post(
            account.draft_url(review, "/decision"),
            data={"version_id": version_id, "verdict": "approved", "confirm": "1"},
        )
    assert decided.status_code == 302
    manager = signed_in(new_browser, account.manager, friday)
    assert SECTION not in page_at(manager, "/inbox", friday)


def test_the_overdue_list_costs_the_same_with_5_or_300_reviews(app, client, account):
    sign_in(client, account.manager)
    add_overdue_reviews(app, account, 5)
    few = statements_for(app, client, "/inbox")
    add_overdue_reviews(app, account, 295)
    many = statements_for(app, client, "/inbox")
    assert few == many, describe(many)
    assert f'{SECTION} <span class="count">300</span>' in client.get("/inbox").text


def test_relationship_health_counts_overdue_reviews(app, account, review):
    with app.app_context():
        (before,) = assess_clients(at(9, 12), [account.client.id]).values()
        (after,) = assess_clients(at(12, 12), [account.client.id]).values()
    deadlines = {signal.key: signal for signal in before.signals}["deadlines"]
    assert deadlines.measures == {"overdue_review_requests": 0}
    assert deadlines.score == 100
    deadlines = {signal.key: signal for signal in after.signals}["deadlines"]
    assert deadlines.measures == {"overdue_review_requests": 1}
    assert deadlines.score == 60 and deadlines.weight == 10
    assert deadlines.display == "1 of 1 reviews with a due date past it; 2 decisions still owed"
    (driver,) = [d for d in after.drivers if d.key == "review_overdue"]
    assert driver.text.startswith("Version 1 of “Homepage intro” is over ")
    assert driver.text.endswith("past its decision date; 2 reviewers yet to decide")
    assert (driver.action, driver.endpoint) == ("nudge", "drafts.show")
    assert driver.values == {"slug": "northwind", "draft_id": review.id}
