"""Guest reviewers in a real browser: the designer shares a draft, the guest opens the link,
confirms the address, pins a comment and approves; tampered and expired links; revoking;
a guest who may not decide; staff-only notes never reach the guest, live or not."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.drafts.services import draft_thread
from portal.extensions import db
from portal.models import DraftKind, GuestGrant, utcnow
from tests.e2e.axe import serious_violations
from tests.e2e.conftest import is_form_refusal
from tests.factories import make_comment, png_bytes
from tests.guests.helpers import GUEST_EMAIL, link_in
from tests.review import make_draft_in_review

# Comments from others arrive by polling every 5 seconds.
ARRIVAL = 12_000
# The answers these tests ask for on purpose: a tampered link's 404, an expired one's 410.
EXPECTED_REFUSAL = re.compile(r"Failed to load resource: .* status of 4(04|10) \(.*\)")


@pytest.fixture
def stranger(browser, live_server, requests_in_flight):
    """A page in a fresh browser context, signed in as nobody: where a guest opens a link."""
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(15_000)
    page, errors = context.new_page(), []
    page.on("pageerror", lambda error: errors.append(f"JavaScript error: {error}"))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error"
            and not is_form_refusal(message.text)
            and not EXPECTED_REFUSAL.fullmatch(message.text)
            else None
        ),
    )
    yield page
    context.close()
    requests_in_flight.wait_until_idle()
    assert errors == [], "the browser reported errors (CSP violations, script errors)"


@pytest.fixture
def poster(app, account):
    with app.app_context():
        draft = make_draft_in_review(account, DraftKind.IMAGE, image=png_bytes(), title="Poster")
        thread = draft_thread(draft)
        make_comment(thread, account.designer, "SECRET-NOTE: the budget is tight.", internal=True)
        make_comment(thread, account.designer, "Here is the first poster.")
    return draft


def share_from_the_page(page, account, draft, *, may_decide: bool):
    page.goto(account.draft_url(draft))
    page.get_by_text("Share with a guest").click()
    page.get_by_label("Name", exact=True).fill("Gil Guest")
    page.get_by_label("E-mail", exact=True).fill(GUEST_EMAIL)
    if may_decide:
        page.get_by_label("May decide").check()
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator("#guests")).to_contain_text(f"Sent {GUEST_EMAIL} a link")
    expect(page.locator("#guests")).to_contain_text("Gil Guest")


def confirm(page, link: str):
    page.goto(link)
    page.get_by_label("Your e-mail address").fill(GUEST_EMAIL)
    page.get_by_role("button", name="Open the draft").click()


def test_a_guest_opens_the_link_pins_a_comment_and_approves(
    app, account, poster, open_browser, stranger
):
    designer = open_browser(account.designer)
    share_from_the_page(designer, account, poster, may_decide=True)
    link = link_in(app, GUEST_EMAIL)

    stranger.goto(link)
    assert serious_violations(stranger) == []
    stranger.get_by_label("Your e-mail address").fill("someone@else.test")
    stranger.get_by_role("button", name="Open the draft").click()
    expect(stranger.locator("main")).to_contain_text("isn't the address this link was sent to")
    stranger.get_by_label("Your e-mail address").fill(GUEST_EMAIL)
    stranger.get_by_role("button", name="Open the draft").click()
    stranger.wait_for_url(re.compile(re.escape(account.draft_url(poster)) + "$"))
    expect(stranger.locator("#comments-list")).to_contain_text("Here is the first poster.")
    assert "SECRET-NOTE" not in stranger.content()
    assert serious_violations(stranger) == []

    stranger.locator("[data-image-stage] img").click(position={"x": 20, "y": 10})
    stranger.get_by_label("Comment").fill("Could the date be larger?")
    stranger.get_by_role("button", name="Post").click()
    mine = stranger.locator("#comments-list .comment", has_text="Could the date be larger?")
    expect(mine).to_contain_text("Guest")
    expect(mine).to_contain_text("Pin")

    stranger.get_by_label("Decision", exact=True).select_option("approved")
    stranger.get_by_role("button", name="Record my decision").click()
    stranger.get_by_role("button", name="Approve anyway").click()
    expect(stranger.locator("#decision-panel")).to_contain_text("Gil Guest (guest): Approved")

    designer.goto(account.draft_url(poster))
    expect(designer.locator("#comments-list")).to_contain_text("Could the date be larger?")
    expect(designer.locator("svg[data-pins] text")).to_have_text("1")
    expect(designer.locator(".decision-log")).to_contain_text("Gil Guest (guest)")
    expect(designer.locator(".draft-meta")).to_contain_text("Approved")


def test_a_tampered_link_is_404_an_expired_one_410(app, account, poster, open_browser, stranger):
    share_from_the_page(open_browser(account.designer), account, poster, may_decide=False)
    link = link_in(app, GUEST_EMAIL)
    tampered = link[:-3] + ("xyz" if not link.endswith("xyz") else "abc")
    assert stranger.goto(tampered).status == 404
    with app.app_context():
        grant = db.session.query(GuestGrant).one()
        grant.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    answer = stranger.goto(link)
    assert answer.status == 410
    expect(stranger.locator("main")).to_contain_text("expired or was withdrawn")


def test_revoking_ends_the_guests_session(app, account, poster, open_browser, stranger):
    designer = open_browser(account.designer)
    share_from_the_page(designer, account, poster, may_decide=False)
    confirm(stranger, link_in(app, GUEST_EMAIL))
    expect(stranger.locator("h1")).to_have_text("Poster")
    # Not allowed to decide: no decision form at all.
    expect(stranger.get_by_role("button", name="Record my decision")).to_have_count(0)

    designer.get_by_role("button", name=re.compile("^Revoke Gil Guest")).click()
    expect(designer.locator("#guests")).to_contain_text("link withdrawn")
    stranger.reload()
    stranger.wait_for_url(re.compile(r"/login\?next="))


def test_staff_only_notes_never_reach_the_guest_live(app, account, poster, open_browser, stranger):
    designer = open_browser(account.designer)
    share_from_the_page(designer, account, poster, may_decide=False)
    confirm(stranger, link_in(app, GUEST_EMAIL))
    expect(stranger.locator("#comments-list")).to_contain_text("Here is the first poster.")

    designer.goto(account.draft_url(poster))
    designer.get_by_label("Comment").fill("SECRET-LIVE: don't tell the guest.")
    designer.get_by_label("Staff-only note").check()
    designer.get_by_role("button", name="Post").click()
    expect(designer.locator("#comments-list")).to_contain_text("SECRET-LIVE")
    designer.get_by_label("Comment").fill("A new detail for everyone.")
    designer.get_by_role("button", name="Post").click()

    expect(stranger.locator("#comments-list")).to_contain_text(
        "A new detail for everyone.", timeout=ARRIVAL
    )
    assert "SECRET" not in stranger.content()
