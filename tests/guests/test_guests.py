"""Guest reviewers: one draft shared by e-mail, opened by a link confirmed with the address,
expiring, revocable and rate-limited; the guest sees that draft's client thread and nothing
else, and decides only when allowed (then as one of the draft's reviewers)."""

from datetime import timedelta
from html import unescape

import time_machine
from sqlalchemy import select

from portal.drafts.services import draft_thread
from portal.extensions import db
from portal.models import ApprovalRule, Comment, EmailMessage, GuestGrant, User, utcnow
from portal.notifications.services import send_notifications
from tests.factories import make_comment, make_draft
from tests.guests.helpers import GUEST_EMAIL, comment_as_guest, open_as_guest, share
from tests.review import browser_for, make_draft_in_review


def test_sharing_sends_a_link_whose_secret_is_kept_nowhere(app, new_browser, account, image_draft):
    shared = share(app, new_browser, account, image_draft)
    with app.app_context():
        message = db.session.scalar(
            select(EmailMessage).where(EmailMessage.to_address == GUEST_EMAIL)
        )
        grant = db.session.get(GuestGrant, shared.grant_id)
        guest = db.session.get(User, grant.guest_id)
        assert shared.token not in (message.text_body + message.html_body)
        assert shared.token not in grant.token_hash
        assert "[[secret-link guests.open_link" in message.text_body
        assert (guest.kind, guest.role, guest.client_id, guest.name) == (
            "guest", "guest", None, "Gil Guest",
        )  # fmt: skip
        assert grant.expires_at - utcnow() > timedelta(days=29)


def test_the_link_asks_for_the_address_it_was_sent_to(app, new_browser, account, image_draft):
    shared = share(app, new_browser, account, image_draft)
    browser = new_browser()
    assert "the e-mail address it was sent to" in browser.get(shared.link).text
    wrong = browser.post(shared.link, data={"email": "someone@else.test"})
    assert wrong.status_code == 422
    assert "isn't the address this link was sent to" in unescape(wrong.text)
    assert browser.get(account.draft_url(image_draft)).status_code == 302  # still nobody
    right = browser.post(shared.link, data={"email": " GIL@Outside.test "})
    assert right.headers["Location"] == account.draft_url(image_draft)
    page = browser.get(account.draft_url(image_draft))
    assert page.status_code == 200
    assert "Gil Guest (guest)" in page.text
    # No way out of the draft: no breadcrumbs to the client or project, no navigation.
    assert account.base + '"' not in page.text
    assert "/projects/" not in page.text
    assert "/inbox" not in page.text


def test_a_tampered_link_is_404_an_expired_or_revoked_one_410(
    app, new_browser, account, image_draft
):
    shared = share(app, new_browser, account, image_draft)
    browser = new_browser()
    tampered = shared.link[:-2] + ("AA" if not shared.link.endswith("AA") else "BB")
    assert browser.get(tampered).status_code == 404
    assert browser.post(tampered, data={"email": GUEST_EMAIL}).status_code == 404
    with time_machine.travel(utcnow() + timedelta(days=31)):
        assert browser.get(shared.link).status_code == 410
        assert browser.post(shared.link, data={"email": GUEST_EMAIL}).status_code == 410
    assert browser.get(shared.link).status_code == 200


def test_an_open_session_ends_when_the_link_expires(app, new_browser, account, image_draft):
    shared = share(app, new_browser, account, image_draft)
    guest = open_as_guest(new_browser, shared)
    with app.app_context():
        grant = db.session.get(GuestGrant, shared.grant_id)
        grant.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert guest.get(account.draft_url(image_draft)).status_code == 302  # to sign in


def test_revoking_ends_the_link_and_the_session(app, new_browser, account, image_draft):
    shared = share(app, new_browser, account, image_draft, may_decide=True)
    guest = open_as_guest(new_browser, shared)
    designer = browser_for(new_browser, account.designer)
    panel = designer.get(account.draft_url(image_draft)).text
    assert "Gil Guest" in panel and GUEST_EMAIL in panel and "Revoke" in panel
    revoked = designer.post(account.draft_url(image_draft, f"/guests/{shared.grant_id}/revoke"))
    assert revoked.status_code == 302
    assert guest.get(account.draft_url(image_draft)).status_code == 302  # signed out
    assert new_browser().get(shared.link).status_code == 410
    assert "link withdrawn" in designer.get(account.draft_url(image_draft)).text
    with app.app_context():  # no longer one of the reviewers
        from portal.drafts.reviewers import reviewer_ids

        assert db.session.get(GuestGrant, shared.grant_id).guest_id not in reviewer_ids(
            image_draft.id
        )


def test_only_staff_on_the_account_share_and_revoke(app, new_browser, account, image_draft):
    data = {"guest-name": "Gil Guest", "guest-email": GUEST_EMAIL}
    url = account.draft_url(image_draft, "/guests")
    assert browser_for(new_browser, account.reviewer).post(url, data=data).status_code == 403
    assert browser_for(new_browser, account.other_staff).post(url, data=data).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(GuestGrant.id)) is None


def test_a_grant_is_revoked_only_on_its_own_draft_by_staff_on_the_account(
    app, new_browser, account, image_draft
):
    shared = share(app, new_browser, account, image_draft)
    with app.app_context():
        other_draft = make_draft_in_review(account, body="Another draft of the same project.")
    revoke = f"/guests/{shared.grant_id}/revoke"
    designer = browser_for(new_browser, account.designer)
    assert designer.post(account.draft_url(other_draft, revoke)).status_code == 404
    outsider = browser_for(new_browser, account.other_staff)
    assert outsider.post(account.draft_url(image_draft, revoke)).status_code == 404
    with app.app_context():
        assert db.session.get(GuestGrant, shared.grant_id).revoked_at is None
    assert new_browser().get(shared.link).status_code == 200


def test_sharing_refuses_bad_input_and_known_accounts(app, new_browser, account, image_draft):
    designer = browser_for(new_browser, account.designer)
    url = account.draft_url(image_draft, "/guests")
    nameless = designer.post(url, data={"guest-name": "", "guest-email": GUEST_EMAIL})
    assert nameless.status_code == 422
    assert GUEST_EMAIL in nameless.text  # what was typed is kept
    assert (
        designer.post(url, data={"guest-name": "Gil", "guest-email": "not an address"}).status_code
        == 422
    )
    known = designer.post(
        url, data={"guest-name": "Omar", "guest-email": account.second_reviewer.email}
    )
    assert known.status_code == 409
    assert "make them a reviewer instead" in known.text
    partial = designer.post(
        url, data={"guest-name": "", "guest-email": GUEST_EMAIL}, headers={"HX-Request": "true"}
    )
    assert partial.status_code == 422
    assert 'id="guests"' in partial.text and "<html" not in partial.text


def test_sharing_with_an_account_hidden_from_the_sharer_sends_no_link(
    app, new_browser, account, image_draft
):
    """Answered as a fresh address (no hint that the account exists), but no grant is made:
    the owner is told they have an account already."""
    designer = browser_for(new_browser, account.designer)
    hidden = account.other_reviewer.email
    answer = designer.post(
        account.draft_url(image_draft, "/guests"),
        data={"guest-name": "Sid", "guest-email": hidden},
    )
    assert answer.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(GuestGrant.id)) is None
        (message,) = db.session.scalars(
            select(EmailMessage).where(EmailMessage.to_address == hidden)
        ).all()
        assert message.subject == "Invitation to review for Northwind on Portal"
        assert "secret-link" not in message.text_body


def test_opening_and_confirming_are_rate_limited(app, new_browser, account, image_draft):
    shared = share(app, new_browser, account, image_draft)
    browser = new_browser()
    answers = [browser.post(shared.link, data={"email": "wrong@x.test"}) for _ in range(5)]
    assert {answer.status_code for answer in answers} == {422}
    assert browser.post(shared.link, data={"email": GUEST_EMAIL}).status_code == 429
    assert new_browser().get(shared.link).status_code == 429  # per link, wherever from
    assert new_browser().get(shared.link[:-1] + "x").status_code == 404  # other links aren't


def test_the_guest_reaches_their_draft_and_nothing_else(app, new_browser, account, image_draft):
    with app.app_context():
        other_draft = make_draft_in_review(account, body="Another draft of the same project.")
        project_thread = make_comment(
            draft_thread(other_draft), account.reviewer, "On the other draft."
        ).thread_id
    shared = share(app, new_browser, account, image_draft)
    guest = open_as_guest(new_browser, shared)
    assert guest.get(account.draft_url(image_draft)).status_code == 200
    # Its pages link nowhere else: no breadcrumb to the client or the project.
    for page in (
        account.draft_url(image_draft),
        account.draft_url(image_draft, "/compare?from=1&to=1"),
    ):
        assert f'href="{account.base}"' not in guest.get(page).text
        assert "/projects/" not in guest.get(page).text
    for url in (
        account.draft_url(other_draft),
        account.thread_url(type("T", (), {"id": project_thread})()),
        account.base,
        f"{account.base}/projects/{account.project.id}",
        f"{account.base}/people",
        "/",
        "/inbox",
        "/account",
        "/login",
        "/admin/clients",
        "/clients/southwind",
    ):
        assert guest.get(url).status_code == 404, url


def test_a_guest_comments_with_a_pin_and_shows_as_guest(app, new_browser, account, image_draft):
    comment_as_guest(
        app, new_browser, account, image_draft, "The logo is too small.",
        anchor_type="point", x="0.4", y="0.6",
    )  # fmt: skip
    with app.app_context():
        comment = db.session.scalar(select(Comment).where(Comment.body == "The logo is too small."))
        assert comment.anchor["type"] == "point" and comment.from_client
    designer = browser_for(new_browser, account.designer)
    page = designer.get(account.draft_url(image_draft)).text
    assert "Gil Guest" in page and '<span class="comment-role">Guest</span>' in page
    assert "Pin 1, by Gil Guest (guest)" in page


def test_staff_only_notes_never_reach_the_guest(app, new_browser, account, image_draft):
    with app.app_context():
        thread = draft_thread(image_draft)
        make_comment(thread, account.designer, "SECRET-NOTE about the budget.", internal=True)
        make_comment(thread, account.designer, "A word for the client.")
    shared = share(app, new_browser, account, image_draft)
    guest = open_as_guest(new_browser, shared)
    page = guest.get(account.draft_url(image_draft)).text
    assert "A word for the client." in page and "SECRET-NOTE" not in page
    for fragment in (
        account.thread_url(thread, "/comments?after=0"),
        account.thread_url(thread, "/comments/older?before=99999"),
    ):
        answer = guest.get(fragment, headers={"HX-Request": "true"})
        assert answer.status_code == 200 and "SECRET-NOTE" not in answer.text
    with app.app_context():
        note = db.session.scalar(select(Comment).where(Comment.internal))
        mails = db.session.scalars(
            select(EmailMessage).where(EmailMessage.to_address == GUEST_EMAIL)
        ).all()
    assert guest.get(account.comment_url(note, "edit")).status_code == 404
    assert all("SECRET-NOTE" not in m.text_body + m.html_body for m in mails)


def test_a_guest_not_allowed_to_decide_cannot(app, new_browser, account, image_draft):
    shared = share(app, new_browser, account, image_draft, may_decide=False)
    guest = open_as_guest(new_browser, shared)
    assert "Record my decision" not in guest.get(account.draft_url(image_draft)).text
    with app.app_context():
        from portal.drafts.services import latest_version

        version_id = latest_version(image_draft).id
    refused = guest.post(
        account.draft_url(image_draft, "/decision"),
        data={"version_id": version_id, "verdict": "approved"},
    )
    assert refused.status_code == 403


def test_a_guest_who_may_decide_counts_as_a_reviewer(app, new_browser, account):
    with app.app_context():
        draft = make_draft(
            account.project, account.writer, approval_rule=ApprovalRule.ALL,
            reviewer_ids=[account.reviewer.id],
        )  # fmt: skip
        from tests.factories import make_version

        version_id = make_version(draft, account.writer, body="Roasted in Leeds.").id
    shared = share(app, new_browser, account, draft, may_decide=True)
    guest = open_as_guest(new_browser, shared)
    # Guests get no e-mail, so there is no nudging them.
    team_view = browser_for(new_browser, account.writer).get(account.draft_url(draft)).text
    assert "Nudge Hannah Client" in team_view and "Nudge Gil Guest" not in team_view
    reviewer = browser_for(new_browser, account.reviewer)
    reviewer.post(
        account.draft_url(draft, "/decision"),
        data={"version_id": version_id, "verdict": "approved"},
    )
    page = reviewer.get(account.draft_url(draft)).text
    assert "1 of 2 approved" in page and "Gil Guest (guest)" in page
    decided = guest.post(
        account.draft_url(draft, "/decision"),
        data={"version_id": version_id, "verdict": "approved"},
    )
    assert decided.status_code == 302
    state = reviewer.get(account.draft_url(draft)).text
    assert "Gil Guest (guest) — approved v1" in state
    assert "status-approved" in state
    # The team changing the client's reviewers keeps the guest one of them.
    writer = browser_for(new_browser, account.writer)
    writer.post(
        account.draft_url(draft, "/reviewers"),
        data={"reviewer_ids": [account.reviewer.id], "approval_rule": "all"},
    )
    with app.app_context():
        from portal.drafts.reviewers import reviewer_ids

        guest_id = db.session.get(GuestGrant, shared.grant_id).guest_id
        assert guest_id in reviewer_ids(draft.id)


def test_e_mails_and_digests_name_the_guest_as_a_guest(app, new_browser, account, image_draft):
    comment_as_guest(app, new_browser, account, image_draft, "@mateo love the colours.")
    with app.app_context():
        send_notifications(account.designer.id, now=utcnow() + timedelta(hours=1))
        mail = db.session.scalar(
            select(EmailMessage).where(EmailMessage.to_address == account.designer.email)
        )
        assert "Gil Guest (guest) mentioned you" in mail.text_body
    digest = browser_for(new_browser, account.writer).get("/account/digest").text
    assert "Gil Guest (guest)" in digest


def test_search_results_name_the_guest_as_a_guest(app, new_browser, account, image_draft):
    guest = comment_as_guest(app, new_browser, account, image_draft, "Tangerine is too loud.")
    found = browser_for(new_browser, account.designer).get("/search?q=tangerine").text
    assert "Gil Guest (guest)" in found
    assert guest.get("/search?q=tangerine").status_code == 404
