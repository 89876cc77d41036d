"""Keyboard users on a draft or a thread: the first Tab offers a skip link, shown while it has
the focus, and Enter puts the cursor in the comment box (it took 36 presses before)."""

from playwright.sync_api import expect


def test_one_tab_and_enter_put_the_cursor_in_the_comment_box(
    account, draft_in_review, thread, open_browser
):
    page = open_browser(account.reviewer)
    for url in (account.draft_url(draft_in_review), account.thread_url(thread)):
        page.goto(url)
        skip = page.get_by_role("link", name="Skip to the comment box")
        expect(skip).not_to_be_in_viewport()
        page.keyboard.press("Tab")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport(ratio=1)
        page.keyboard.press("Enter")
        expect(page.get_by_label("Comment", exact=True)).to_be_focused()
