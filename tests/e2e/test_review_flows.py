"""The product's core loops, in a real browser: pin, reply, approve; passage, revise, follow up."""

import re

from playwright.sync_api import expect

from portal.models import DraftKind
from tests.review import make_draft_in_review

# Comments from others arrive by polling every 5 seconds.
ARRIVAL = 12_000
COPY = "Roasted in small batches in Leeds. Every bag names the farm it came from."


def inbox_text(page) -> str:
    page.goto("/inbox")
    return page.locator("main").inner_text()


def test_a_pin_on_an_image_reaches_the_maker_who_replies_and_the_client_approves(
    app, account, open_browser
):
    with app.app_context():
        draft = make_draft_in_review(account, DraftKind.IMAGE, title="Bag label")
    url = account.draft_url(draft)
    client_page = open_browser(account.reviewer)
    maker_page = open_browser(account.designer)
    assert "Bag label" in inbox_text(client_page)
    maker_page.goto(url)
    client_page.goto(url)

    image = client_page.locator("[data-image-stage] img")
    image.click(position={"x": 20, "y": 10})
    client_page.get_by_label("Comment").fill("Can the logo be bigger here?")
    client_page.get_by_role("button", name="Post").click()
    expect(client_page.locator("#comments-list")).to_contain_text("Can the logo be bigger here?")

    expect(maker_page.locator("#comments-list")).to_contain_text(
        "Can the logo be bigger here?", timeout=ARRIVAL
    )
    expect(maker_page.locator("#comments-list")).to_contain_text("Pin")
    assert "Can the logo be bigger here?" in inbox_text(maker_page)
    maker_page.goto(url)
    maker_page.get_by_label("Comment").fill("Yes: doubling it in the next version.")
    maker_page.get_by_role("button", name="Post").click()

    expect(client_page.locator("#comments-list")).to_contain_text(
        "doubling it in the next version", timeout=ARRIVAL
    )
    client_page.get_by_label("Decision", exact=True).select_option("approved")
    client_page.get_by_role("button", name="Record my decision").click()
    expect(client_page.locator("#decision-panel")).to_contain_text("Hannah Client: Approved")

    assert "Bag label" not in inbox_text(client_page)
    assert "Can the logo be bigger here?" not in inbox_text(maker_page)
    maker_page.goto(url)
    expect(maker_page.locator(".draft-meta")).to_contain_text("Approved")
    expect(maker_page.locator("svg[data-pins] text")).to_have_text("1")


def select_passage(page, phrase: str):
    """Select ``phrase`` in the copy the way a reader would, then let the page notice."""
    page.evaluate(
        """(phrase) => {
            const body = document.querySelector('[data-copy-body]');
            const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const at = node.textContent.indexOf(phrase);
                if (at >= 0) {
                    const range = document.createRange();
                    range.setStart(node, at);
                    range.setEnd(node, at + phrase.length);
                    const selection = window.getSelection();
                    selection.removeAllRanges();
                    selection.addRange(range);
                    body.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
                    return;
                }
            }
            throw new Error('phrase not found');
        }""",
        phrase,
    )


def test_a_passage_comment_gets_answered_by_a_new_version_with_a_feedback_checklist(
    app, account, open_browser
):
    with app.app_context():
        draft = make_draft_in_review(account, title="Bag copy", body=COPY)
    url = account.draft_url(draft)
    client_page = open_browser(account.reviewer)
    client_page.goto(url)

    select_passage(client_page, "small batches")
    expect(client_page.locator("[data-anchor-preview]")).to_contain_text("small batches")
    client_page.get_by_label("Comment").fill("Say how small: 12 kg?")
    client_page.get_by_role("button", name="Post").click()
    expect(client_page.locator("#comments-list")).to_contain_text("Say how small")
    client_page.goto(url)
    expect(client_page.locator("mark.passage")).to_have_text("small batches")

    writer_page = open_browser(account.writer)
    writer_page.goto(url)
    writer_page.get_by_role("link", name="New version").click()
    writer_page.get_by_label("Copy").fill(COPY.replace("small batches", "12 kg batches"))
    writer_page.get_by_label("What changed").fill("Named the batch size.")
    writer_page.get_by_label("Addressed").check()
    writer_page.get_by_role("button", name="Share for review").click()
    expect(writer_page.locator(".flashes")).to_contain_text("Version 2 is up for review")

    client_page.goto(url)
    checklist = client_page.locator("section", has_text="What we did with your feedback")
    expect(checklist).to_contain_text("Addressed")
    expect(checklist).to_contain_text("Say how small")
    client_page.get_by_role("link", name="Compare with v1").click()
    expect(client_page.locator(".diff ins")).to_contain_text("12 kg")
    expect(client_page.locator(".diff del")).to_contain_text("small")
    assert re.search(r"Named the batch size", client_page.content())
