"""A live draft page in a real browser: pins and decisions from others arrive without a reload,
a version that was superseded meanwhile refuses the comment and keeps it, and a hidden tab
marks nothing read."""

from playwright.sync_api import expect

from portal.models import DraftKind
from tests.factories import make_version
from tests.review import make_draft_in_review

# Polling asks every 5 seconds while the tab is visible.
ARRIVAL = 12_000

# Lets a test hide the tab: document.visibilityState follows window.hiddenForTest.
HIDEABLE = """
Object.defineProperty(document, 'visibilityState', {
  configurable: true, get: () => (window.hiddenForTest ? 'hidden' : 'visible'),
});
window.hiddenForTest = true;
"""


def test_a_pin_arrives_live_with_its_number_and_marker(app, account, open_browser):
    with app.app_context():
        draft = make_draft_in_review(account, DraftKind.IMAGE, title="Bag label")
    url = account.draft_url(draft)
    maker_page = open_browser(account.designer)
    maker_page.goto(url)
    client_page = open_browser(account.reviewer)
    client_page.goto(url)

    client_page.locator("[data-image-stage] img").click(position={"x": 30, "y": 20})
    client_page.get_by_role("textbox", name="Comment").fill("Logo bigger here?")
    client_page.get_by_role("button", name="Post").click()

    arrived = maker_page.locator("#comments-list li.comment", has_text="Logo bigger here?")
    expect(arrived).to_contain_text("Pin 1", timeout=ARRIVAL)
    expect(maker_page.locator("svg[data-pins] a", has_text="1")).to_have_count(1)


def test_a_decision_by_one_reviewer_updates_the_others_page(app, account, open_browser):
    with app.app_context():
        draft = make_draft_in_review(account, title="Homepage intro")
    url = account.draft_url(draft)
    second_page = open_browser(account.second_reviewer)
    second_page.goto(url)
    expect(second_page.locator("#draft-state")).to_contain_text("In review")
    deciding_page = open_browser(account.reviewer)
    deciding_page.goto(url)

    deciding_page.get_by_label("Decision", exact=True).select_option("approved")
    deciding_page.get_by_role("button", name="Record my decision").click()
    expect(deciding_page.locator("#decision-panel")).to_contain_text("Approved")

    expect(second_page.locator("#draft-state")).to_contain_text("Approved", timeout=ARRIVAL)
    dots = second_page.locator("#decision-status li", has_text="Hannah Client")
    expect(dots).to_contain_text("Approved")


def test_a_comment_on_a_version_superseded_meanwhile_is_refused_and_kept(
    app, account, open_browser
):
    with app.app_context():
        draft = make_draft_in_review(account, title="Homepage intro", body="Version one.")
    client_page = open_browser(account.reviewer)
    client_page.goto(account.draft_url(draft))
    client_page.get_by_role("textbox", name="Comment").fill("Shorter, please.")
    with app.app_context():
        make_version(draft, account.writer, body="Version two.")

    client_page.get_by_role("button", name="Post").click()
    form = client_page.locator("#comment-form")
    expect(form).to_contain_text("Version 2 replaced the one you were reading")
    expect(client_page.get_by_role("textbox", name="Comment")).to_have_value("Shorter, please.")
    client_page.get_by_role("button", name="Post").click()
    expect(client_page.locator("#comments-list")).to_contain_text("Shorter, please.")

    client_page.goto(account.draft_url(draft) + "?v=1")
    expect(client_page.locator(".comments-closed")).to_contain_text("takes no new comments")
    expect(client_page.locator("#comment-form textarea")).to_have_count(0)


def test_a_hidden_tab_marks_nothing_read_until_it_is_shown(app, account, open_browser):
    with app.app_context():
        draft = make_draft_in_review(account, title="Homepage intro")
    writer_page = open_browser(account.writer)
    writer_page.goto(account.draft_url(draft))
    writer_page.get_by_role("textbox", name="Comment").fill("Here is v1.")
    writer_page.get_by_role("button", name="Post").click()
    expect(writer_page.locator("#comments-list")).to_contain_text("Here is v1.")

    client_page = open_browser(account.reviewer)
    read_marks = []
    client_page.on(
        "request", lambda r: read_marks.append(r.url) if r.url.endswith("/read") else None
    )
    client_page.add_init_script(HIDEABLE)
    client_page.goto(account.draft_url(draft))
    client_page.wait_for_load_state("load")
    expect(client_page.locator("#comments-list")).to_contain_text("Here is v1.")
    # Loaded and set up while hidden: a visible tab would have sent its read mark by now.
    assert read_marks == []

    with client_page.expect_response(lambda r: r.url.endswith("/read")):
        client_page.evaluate(
            "window.hiddenForTest = false; document.dispatchEvent(new Event('visibilitychange'))"
        )
