"""The due date on the draft page (set, changed, shown on each reader's clock, bad input
refused) and the nudge button (once a day per reviewer, only by the account's staff)."""

import pytest
import time_machine
from sqlalchemy import select

from portal.drafts.services import record_decision
from portal.extensions import db
from portal.models import Draft, Event, ReminderKind, ReviewReminder, User, Verdict, Version
from tests.drafts.helpers import HTMX, count, rows
from tests.reminders.helpers import DUE, MONDAY, at, emails_to, page_at, set_clock, signed_in

OMAR = "omar@northwind.test"


def due_of(app, draft):
    (row,) = rows(app, Draft, Draft.id == draft.id)
    return row.review_due_at


def post_due(browser, account, draft, value, now=MONDAY, **kwargs):
    with time_machine.travel(now, tick=False):
        data = {} if value is None else {"review_due": value}
        return browser.post(account.draft_url(draft, "/review-due"), data=data, **kwargs)


def nudge(browser, account, draft, person, now, **kwargs):
    with time_machine.travel(now, tick=False):
        return browser.post(account.draft_url(draft, f"/reviewers/{person.id}/nudge"), **kwargs)


def test_staff_set_the_due_date_on_their_clock_and_each_reader_sees_it_on_theirs(
    app, account, review, new_browser
):
    set_clock(app, account.writer, timezone="America/New_York")
    writer = signed_in(new_browser, account.writer, MONDAY)

    # A day alone means 17:00 on the writer's clock: 22:00 UTC.
    assert post_due(writer, account, review, "2026-12-11").status_code == 302
    assert due_of(app, review) == at(11, 22)
    assert post_due(writer, account, review, "2026-12-10T12:00").status_code == 302
    assert due_of(app, review) == DUE

    set_clock(app, account.reviewer, timezone="Asia/Tokyo")
    for person, shown in (
        (account.reviewer, "11 Dec 2026, 02:00 JST"),
        (account.second_reviewer, "10 Dec 2026, 12:00 EST"),
        (account.manager, "10 Dec 2026, 17:00 UTC"),
    ):
        page = page_at(signed_in(new_browser, person, MONDAY), account.draft_url(review), MONDAY)
        assert "Decision due <time datetime=" in page and shown in page, person.name
    assert count(app, Event, Event.verb == "review_due_set", Event.client_visible) == 2

    # The htmx answer is the decision panel alone; an empty value clears the due date.
    answer = post_due(writer, account, review, "", headers=HTMX)
    assert answer.status_code == 200 and "<html" not in answer.text
    assert "The review has no due date now." in answer.text
    assert due_of(app, review) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("next friday", "Give the due date as a day and time"),
        ("2026-13-45T10:00", "Give the due date as a day and time"),
        ("1999-01-01T10:00", "That time has passed"),
        ("2026-12-07T08:59", "That time has passed"),
        ("2999-01-01", "Choose a due date within a year"),
        ("9" * 5000, "Give the due date as a day and time"),
        (None, "Say when the review is due"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_due_date_is_refused_with_a_clear_message_and_nothing_changes(
    app, account, review, new_browser, value, message, htmx
):
    writer = signed_in(new_browser, account.writer, MONDAY)
    answer = post_due(writer, account, review, value, headers=HTMX if htmx else {})
    assert answer.status_code == 422
    assert message in answer.text
    assert ("<html" in answer.text) is not htmx
    assert due_of(app, review) == DUE


def test_only_staff_on_the_account_may_set_the_due_date(app, account, review, new_browser):
    for person, status in (
        (account.reviewer, 403),
        (account.other_reviewer, 404),
        (account.other_staff, 404),
    ):
        browser = signed_in(new_browser, person, MONDAY)
        assert post_due(browser, account, review, "2026-12-20").status_code == status
        if status == 403:
            assert 'name="review_due"' not in page_at(browser, account.draft_url(review), MONDAY)
    assert due_of(app, review) == DUE


def test_a_nudge_goes_out_at_most_once_a_day_per_reviewer(app, account, review, new_browser):
    writer = signed_in(new_browser, account.writer, MONDAY)
    page = page_at(writer, account.draft_url(review), MONDAY)
    assert page.count('class="inline-form nudge"') == 2  # Hannah and Omar both owe one

    answer = nudge(writer, account, review, account.second_reviewer, at(7, 17))
    assert answer.status_code == 302
    (message,) = emails_to(app, OMAR)
    assert message.subject == "Dana Writer asks for your decision on Homepage intro, version 1"
    assert "Your decision is due 10 Dec 2026, 12:00 EST" in message.text_body
    (event,) = rows(app, Event, Event.verb == "reviewer_nudged")
    assert not event.client_visible and event.actor_id == account.writer.id

    # Again the same evening, by anyone on the team, with or without JavaScript: refused.
    manager = signed_in(new_browser, account.manager, at(7, 22))
    again = nudge(manager, account, review, account.second_reviewer, at(7, 22))
    assert again.status_code == 409
    assert "Omar Client was reminded of this draft in the last day" in again.text
    assert "again after 8 Dec, 17:00" in again.text
    writer = signed_in(new_browser, account.writer, at(8, 16, 59))
    again = nudge(writer, account, review, account.second_reviewer, at(8, 16, 59), headers=HTMX)
    assert again.status_code == 409 and "<html" not in again.text
    assert "reminded of this draft in the last day" in again.text
    # Another reviewer is another count.
    assert nudge(manager, account, review, account.reviewer, at(7, 22)).status_code == 302
    # A day later, Omar may be nudged again.
    writer = signed_in(new_browser, account.writer, at(8, 17))
    answer = nudge(writer, account, review, account.second_reviewer, at(8, 17), headers=HTMX)
    assert answer.status_code == 200 and "Sent Omar Client a reminder." in answer.text
    assert len(emails_to(app, OMAR)) == 2
    assert count(app, ReviewReminder, ReviewReminder.kind == ReminderKind.NUDGE) == 3


def test_no_nudge_for_a_reviewer_who_decided_or_is_in_quiet_hours(
    app, account, review, new_browser
):
    writer = signed_in(new_browser, account.writer, MONDAY)
    # 14:00 UTC is 09:00 in New York, inside Omar's quiet hours (08:00 to 11:00).
    answer = nudge(writer, account, review, account.second_reviewer, at(7, 14))
    assert answer.status_code == 409
    assert "in their quiet hours; nudge them after 11:00 their time" in answer.text

    with time_machine.travel(at(7, 15), tick=False), app.app_context():
        version = db.session.scalar(select(Version).where(Version.draft_id == review.id))
        record_decision(db.session.get(User, account.reviewer.id), version, Verdict.APPROVED, "")
        db.session.commit()
    assert "Nudge Omar" not in page_at(writer, account.draft_url(review), at(7, 15))
    answer = nudge(writer, account, review, account.second_reviewer, at(7, 17))
    assert answer.status_code == 409
    assert "owes no decision on this draft now" in answer.text
    assert emails_to(app, OMAR) == []


def test_only_staff_on_the_account_may_nudge_and_only_their_clients_people(
    app, account, review, new_browser
):
    for person, reviewer, status in (
        (account.second_reviewer, account.reviewer, 403),
        (account.reviewer, account.second_reviewer, 403),
        (account.other_reviewer, account.second_reviewer, 404),
        (account.other_staff, account.second_reviewer, 404),
        # Another organisation's person, through Northwind's draft: as if there were none.
        (account.writer, account.other_reviewer, 404),
    ):
        browser = signed_in(new_browser, person, at(7, 17))
        assert nudge(browser, account, review, reviewer, at(7, 17)).status_code == status
        if status == 403:
            assert "Nudge " not in page_at(browser, account.draft_url(review), at(7, 17))
    assert count(app, ReviewReminder) == 0


def test_the_due_date_is_set_with_a_new_draft_and_again_with_each_new_version(
    app, account, review, new_browser
):
    writer = signed_in(new_browser, account.writer, MONDAY)
    project_url = f"{account.base}/projects/{account.project.id}/drafts/new"
    with time_machine.travel(MONDAY, tick=False):
        form = writer.get(project_url).text
        assert 'name="review_due" type="datetime-local"' in form
        created = writer.post(
            project_url,
            data={"title": "Tagline", "kind": "copy", "maker_id": account.writer.id,
                  "approval_rule": "any", "review_due": "2026-12-09T12:00"},
        )  # fmt: skip
    assert created.status_code == 302
    (tagline,) = rows(app, Draft, Draft.title == "Tagline")
    assert tagline.review_due_at == at(9, 12)

    new_version_url = account.draft_url(review, "/versions/new")
    with time_machine.travel(MONDAY, tick=False):
        # The form offers the current due date, on the writer's clock.
        assert 'value="2026-12-10T17:00"' in writer.get(new_version_url).text
        refused = writer.post(new_version_url, data={"body": "v2", "review_due": "soon"})
        assert refused.status_code == 422 and "Give the due date as a day" in refused.text
        assert count(app, Version, Version.draft_id == review.id) == 1
        added = writer.post(new_version_url, data={"body": "v2", "review_due": "2026-12-14"})
    assert added.status_code == 302
    assert due_of(app, review) == at(14, 17)
