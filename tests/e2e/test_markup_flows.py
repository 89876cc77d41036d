"""Marking up pictures in a real browser: a pin on a PDF's page, an area dragged on an image,
a pin placed with the keyboard alone, and two images compared under a slider."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Comment, DraftKind
from tests.drafts.helpers import draft_thread, pdf_bytes
from tests.drafts.test_processing import new_version, processed
from tests.e2e.axe import serious_violations
from tests.factories import make_comment, make_version, png_bytes
from tests.review import make_draft_in_review


def anchors_of(app, draft) -> list[dict]:
    thread = draft_thread(app, draft)
    with app.app_context():
        return db.session.scalars(
            select(Comment.anchor).where(Comment.thread_id == thread.id).order_by(Comment.id)
        ).all()


def post_comment(page, text: str):
    page.get_by_label("Comment").fill(text)
    page.get_by_role("button", name="Post").click()
    expect(page.locator("#comments-list")).to_contain_text(text)


def test_a_pin_on_the_second_page_of_a_pdf(app, account, open_browser):
    with app.app_context():  # the job draws the pages as the version is made
        draft = make_draft_in_review(account, DraftKind.PDF, image=pdf_bytes(pages=3))
    page = open_browser(account.reviewer)
    page.goto(account.draft_url(draft))
    second = page.locator('[data-image-stage][data-page="2"] img')
    second.scroll_into_view_if_needed()
    box = second.bounding_box()
    second.click(position={"x": box["width"] / 4, "y": box["height"] / 2})
    expect(page.locator("[data-anchor-preview]")).to_have_text("Pin at the marked spot of page 2")
    expect(page.get_by_label("On page", exact=True)).to_have_value("2")
    post_comment(page, "The date is wrong here.")

    (anchor,) = anchors_of(app, draft)
    assert anchor["type"] == "point" and anchor["page"] == 2
    assert abs(anchor["x"] - 0.25) < 0.02 and abs(anchor["y"] - 0.5) < 0.02
    page.reload()
    expect(page.locator('[data-page="2"] svg[data-pins] text')).to_have_text("1")
    expect(page.locator('[data-page="1"] svg[data-pins] a')).to_have_count(0)
    assert serious_violations(page) == []


def test_an_area_dragged_across_an_image(app, account, open_browser):
    with app.app_context():
        draft = make_draft_in_review(account, DraftKind.IMAGE, image=png_bytes(400, 300))
    page = open_browser(account.reviewer)
    page.goto(account.draft_url(draft))
    image = page.locator("[data-image-stage] img")
    box = image.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.4, steps=5)
    expect(page.locator("svg[data-pins] rect.pin-new")).to_have_count(1)
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.7, steps=5)
    page.mouse.up()
    expect(page.locator("[data-anchor-preview]")).to_have_text("On the marked area")
    post_comment(page, "This whole block feels crowded.")

    (anchor,) = anchors_of(app, draft)
    assert anchor["type"] == "rect"
    for name, expected in {"x": 0.2, "y": 0.3, "w": 0.4, "h": 0.4}.items():
        assert abs(anchor[name] - expected) < 0.02, (name, anchor)
    page.reload()
    expect(page.locator("svg[data-pins] rect.area")).to_have_count(1)
    expect(page.locator("svg[data-pins] a")).to_have_attribute(
        "aria-label", "Area 1, by Hannah Client"
    )


def test_a_pin_placed_with_the_keyboard_alone(app, account, open_browser):
    with app.app_context():
        draft = make_draft_in_review(account, DraftKind.IMAGE, image=png_bytes(400, 300))
    page = open_browser(account.reviewer)
    page.goto(account.draft_url(draft))

    def press_tab_until(selector: str):
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    press_tab_until("[data-image-stage][data-pinnable]")
    expect(page.locator("svg[data-pins] g.crosshair")).to_have_count(1)
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    expect(page.locator("[data-crosshair-status]")).to_have_text("Crosshair 60% across, 60% down.")
    page.keyboard.press("Enter")
    expect(page.locator("[data-anchor-preview]")).to_have_text("Pin at the marked spot")
    # Enter took the reader to the comment box.
    page.keyboard.type("Could this corner breathe a little?")
    press_tab_until("button[type=submit]:not([data-confirm])")
    page.keyboard.press("Enter")
    expect(page.locator("#comments-list")).to_contain_text("Could this corner breathe")

    assert anchors_of(app, draft) == [{"type": "point", "x": 0.6, "y": 0.6}]


def test_two_images_compared_under_a_slider_with_each_versions_pins(app, account, open_browser):
    with app.app_context():
        draft = make_draft_in_review(
            account, DraftKind.IMAGE, image=png_bytes(400, 300, (20, 90, 160))
        )
        thread = draft_thread(app, draft)
        make_comment(thread, account.reviewer, "Old.", anchor={"type": "point", "x": 0.2, "y": 0.2})
        make_version(draft, account.designer, image=png_bytes(400, 300, (160, 90, 20)))
        make_comment(
            thread, account.reviewer, "New.",
            anchor={"type": "rect", "x": 0.5, "y": 0.5, "w": 0.3, "h": 0.3},
        )  # fmt: skip
    page = open_browser(account.reviewer)
    page.goto(account.draft_url(draft, "/compare?from=1&to=2"))

    layers = page.locator("[data-overlay-compare]")
    expect(layers).to_have_class(re.compile(r"\bis-overlaid\b"))
    top = page.locator("[data-overlay-top]")
    bottom_box = page.locator(".overlay-layer").first.locator("img").bounding_box()
    top_box = top.locator("img").bounding_box()
    assert (top_box["x"], top_box["y"]) == (bottom_box["x"], bottom_box["y"])  # stacked
    expect(top).to_have_css("clip-path", "inset(0px 50% 0px 0px)")

    slider = page.get_by_label(re.compile("Slide to show more of version 1"))
    slider.fill("20")
    expect(top).to_have_css("clip-path", "inset(0px 80% 0px 0px)")
    slider.focus()
    page.keyboard.press("End")
    expect(top).to_have_css("clip-path", "inset(0px 0% 0px 0px)")

    expect(page.locator(".overlay-layer").first.locator("svg[data-pins] a")).to_have_attribute(
        "aria-label", "Pin 1, by Hannah Client"
    )
    expect(top.locator("svg[data-pins] a")).to_have_attribute(
        "aria-label", "Area 1, by Hannah Client"
    )
    assert serious_violations(page) == []


def test_a_pdfs_pages_fill_in_without_a_reload_once_drawn(app, account, open_browser):
    version = new_version(app, account, DraftKind.PDF, data=pdf_bytes(pages=2))
    page = open_browser(account.reviewer)
    page.goto(f"{account.base}/drafts/{version.draft_id}")
    expect(page.get_by_text("Drawing the pages…")).to_be_visible()
    processed(app, version)  # the job, as the worker would run it
    expect(page.locator('[data-page="2"] img')).to_be_visible(timeout=10_000)
    expect(page.get_by_text("Drawing the pages…")).to_have_count(0)
    assert page.evaluate("() => performance.getEntriesByType('navigation').length") == 1


def test_an_upload_shows_its_progress_and_lands_on_the_draft_page(app, account, open_browser):
    with app.app_context():
        draft = make_draft_in_review(account, DraftKind.IMAGE)
    page = open_browser(account.designer)
    page.goto(account.draft_url(draft, "/versions/new"))
    expect(page.locator("[data-upload-status]")).to_be_hidden()
    page.get_by_label("File").set_input_files(
        {"name": "v2.png", "mimeType": "image/png", "buffer": png_bytes(300, 200, (1, 99, 7))}
    )
    # What the bar showed last, kept across the navigation that follows the upload.
    page.evaluate(
        """() => document.addEventListener('htmx:xhr:progress', () => sessionStorage.setItem(
            'shown', document.querySelector('[data-upload-bar]').value))"""
    )
    page.get_by_role("button", name="Share for review").click()
    page.wait_for_url(f"**{account.draft_url(draft)}")
    expect(page.locator(".flashes")).to_contain_text("Version 2 is up for review.")
    assert page.evaluate("() => sessionStorage.getItem('shown')") == "100"
