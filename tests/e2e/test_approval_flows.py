"""Reviewers and approval rules in a real browser: approving with a question still open asks
first, in place; the team changes who reviews from the draft page."""

from playwright.sync_api import expect

from portal.drafts.services import draft_thread
from portal.models import ApprovalRule
from tests.e2e.axe import serious_violations
from tests.factories import make_comment, make_draft, make_version


def test_approving_with_an_open_question_asks_first_then_counts_one_of_two(
    app, account, open_browser
):
    with app.app_context():
        draft = make_draft(account.project, account.writer, approval_rule=ApprovalRule.ALL)
        make_version(draft, account.writer, body="Roasted in small batches in Leeds.")
        make_comment(draft_thread(draft), account.second_reviewer, "Is Leeds right?")
    page = open_browser(account.reviewer)
    page.goto(account.draft_url(draft))
    panel = page.locator("#decision-panel")
    expect(panel).to_contain_text("Hannah Client: Not yet")
    expect(panel).to_contain_text("Omar Client: Not yet")

    page.get_by_label("Decision", exact=True).select_option("approved")
    page.get_by_label("Note").fill("Lovely, once Omar's question is settled.")
    page.get_by_role("button", name="Record my decision").click()
    expect(panel).to_contain_text("Approve anyway?")
    expect(page.get_by_label("Note")).to_have_value("Lovely, once Omar's question is settled.")
    assert serious_violations(page) == []

    page.get_by_role("button", name="Approve anyway").click()
    expect(panel).to_contain_text("Hannah Client: Approved")
    expect(page.locator("#draft-state")).to_contain_text("In review")
    expect(page.locator("#draft-state")).to_contain_text("1 of 2 approved")


def test_the_team_makes_one_reviewer_the_final_approver(app, account, open_browser):
    with app.app_context():
        draft = make_draft(account.project, account.writer)
        make_version(draft, account.writer, body="Roasted in small batches in Leeds.")
    page = open_browser(account.writer)
    page.goto(account.draft_url(draft))
    page.get_by_text("Change reviewers").click()
    page.get_by_label("A final approver").check()
    page.get_by_label("Final approver", exact=True).select_option(label="Hannah Client")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Save reviewers").click()

    panel = page.locator("#decision-panel")
    expect(panel).to_contain_text("Who approves: a final approver")
    expect(panel).to_contain_text("Hannah Client Final approver: Not yet")
