"""E-mail about the review itself (new versions, decisions, the feedback checklist) through a
real Redis, a real worker and a real SMTP server."""

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from portal.digests.services import send_digest
from portal.drafts.services import draft_thread
from portal.extensions import db
from portal.jobs import dispatch_ready
from portal.models import (
    Comment,
    Draft,
    DraftReviewer,
    EmailFrequency,
    EmailMessage,
    FeedbackStatus,
    ReviewNotice,
    User,
    Verdict,
    utcnow,
)
from portal.notifications.services import send_notifications
from tests.drafts.helpers import decide
from tests.factories import make_comment, make_draft, make_project, make_version
from tests.realparts import NOTIFY_DELAY
from tests.review import browser_for

SECRET = "SECRET-staff-note-about-the-budget"
NORTHWIND_STAFF = ("dana@agency.test", "mateo@agency.test", "ada@agency.test")


def set_frequency(app, frequency, *people) -> None:
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.id.in_([person.id for person in people]))
            .values(email_frequency=frequency)
        )
        db.session.commit()


@pytest.fixture
def everyone_immediate(app, account):
    """Everyone of both accounts wants e-mail as it happens."""
    set_frequency(
        app,
        EmailFrequency.IMMEDIATE,
        account.reviewer,
        account.second_reviewer,
        account.writer,
        account.designer,
        account.manager,
        account.other_reviewer,
        account.other_staff,
    )


@pytest.fixture
def southern_draft(app, account) -> Draft:
    """Southwind's own draft, its version 1 by Sam, reviewed by Sid."""
    with app.app_context():
        project = make_project(account.other_client, name="Southern campaign")
        draft = make_draft(project, account.other_staff, title="Southern leaflet")
        make_version(draft, account.other_staff, body="Sunny copy.")
        return draft


def new_version(app, draft, author, feedback=None, note="Shorter, as asked.") -> None:
    """``author`` adds the next version of ``draft`` (saying what it did with the client's
    comments in ``feedback``); its e-mail checks go to Redis, due a batching window later."""
    with app.app_context():
        draft = db.session.get(Draft, draft.id)
        make_version(draft, author, body="Roasted in Leeds.", note=note, feedback=feedback or {})


def client_comments(app, account, draft) -> tuple[int, int]:
    """Hannah and Omar each comment on version 1, and Dana leaves a staff-only note; the ids
    of the two client comments."""
    with app.app_context():
        thread = draft_thread(db.session.get(Draft, draft.id))
        hannah = make_comment(thread, account.reviewer, "Can it be shorter?")
        omar = make_comment(thread, account.second_reviewer, "Say Leeds, not Yorkshire.")
        make_comment(thread, account.writer, SECRET, internal=True)
        return hannah.id, omar.id


def let_the_batching_window_pass(app, jobs_on_redis) -> None:
    """Age every notice and comment past the batching window, and make the e-mail checks
    scheduled for a window later due now, without waiting for it."""
    with app.app_context():
        for row in [
            *db.session.scalars(select(ReviewNotice)),
            *db.session.scalars(select(Comment)),
        ]:
            row.created_at -= timedelta(seconds=NOTIFY_DELAY + 1)
        db.session.commit()
    jobs_on_redis.make_delayed_jobs_due()


def all_of(box, address=None) -> str:
    """The subjects, texts and HTML of every message (to ``address``, if given)."""
    messages = [m for _r, m in box.messages] if address is None else box.to(address)
    return "\n".join(
        f"{m['Subject']}\n{box.text(m)}\n{m.get_body(preferencelist=('html',)).get_content()}"
        for m in messages
    )


def test_a_new_version_reaches_the_drafts_reviewers_and_no_one_else(
    app, account, draft_in_review, southern_draft, everyone_immediate, jobs_on_redis, mailbox
):
    box, _ = mailbox
    posted_at = utcnow()
    new_version(app, draft_in_review, account.writer)
    new_version(app, southern_draft, account.other_staff)
    with app.app_context():  # the check as the job makes it, at once: nothing is due yet
        send_notifications(account.reviewer.id, now=posted_at + timedelta(seconds=1))
        assert db.session.scalars(select(EmailMessage)).all() == []

    let_the_batching_window_pass(app, jobs_on_redis)
    jobs_on_redis.burst()
    link = f"http://portal.test{account.draft_url(draft_in_review)}"
    for reviewer in ("hannah@northwind.test", "omar@northwind.test"):
        (message,) = box.to(reviewer)
        assert message["Subject"] == "Homepage intro, version 2 is ready for your review"
        assert "Version 2 is ready for your review." in box.text(message)
        assert "What changed: Shorter, as asked." in box.text(message)
        assert link in box.text(message)
        assert "Southern" not in all_of(box, reviewer)
    (southern,) = box.to("sid@southwind.test")
    assert southern["Subject"] == "Southern leaflet, version 2 is ready for your review"
    assert "Homepage intro" not in all_of(box, "sid@southwind.test")
    for staff in (*NORTHWIND_STAFF, "sam@agency.test"):
        assert box.to(staff) == [], f"{staff} was told of a version"

    jobs_on_redis.tick()
    jobs_on_redis.burst()
    assert len(box.messages) == 3, "e-mailed twice"


def test_a_decision_reaches_the_maker_and_the_account_team_not_the_decider_nor_the_client(
    app, account, draft_in_review, new_browser, everyone_immediate, jobs_on_redis, mailbox
):
    box, _ = mailbox
    reviewer = browser_for(new_browser, account.reviewer)
    note = "Lose the second sentence."
    assert (
        decide(reviewer, account, draft_in_review, Verdict.CHANGES_REQUESTED, note).status_code
        == 302
    )
    let_the_batching_window_pass(app, jobs_on_redis)
    jobs_on_redis.burst()

    for staff in NORTHWIND_STAFF:
        (message,) = box.to(staff)
        # Folded after "Subject:" as it is long: read back, it starts with the fold's space.
        assert message["Subject"].strip() == (
            "Hannah Client of Northwind requested changes to Homepage intro, version 1"
        )
        assert f"Changes requested: {note}" in box.text(message)
        assert f"http://portal.test{account.draft_url(draft_in_review)}" in box.text(message)
    for someone in ("hannah@northwind.test", "omar@northwind.test", "sid@southwind.test"):
        assert box.to(someone) == [], f"{someone} was told of the decision"
    assert box.to("sam@agency.test") == []


def test_a_decision_changed_within_the_batching_window_makes_one_email_with_the_newer(
    app, account, draft_in_review, new_browser, everyone_immediate, jobs_on_redis, mailbox
):
    box, _ = mailbox
    reviewer = browser_for(new_browser, account.reviewer)
    for note in ("Make it longer.", "On second thoughts, shorter."):
        changes = decide(reviewer, account, draft_in_review, Verdict.CHANGES_REQUESTED, note)
        assert changes.status_code == 302
    let_the_batching_window_pass(app, jobs_on_redis)
    jobs_on_redis.burst()
    jobs_on_redis.tick()
    jobs_on_redis.burst()

    (message,) = box.to("dana@agency.test")
    assert "Changes requested: On second thoughts, shorter." in box.text(message)
    assert "Make it longer." not in box.text(message)


def test_the_feedback_checklist_reaches_the_commenters_without_any_staff_note(
    app, account, draft_in_review, everyone_immediate, jobs_on_redis, mailbox
):
    box, _ = mailbox
    hannah_comment, omar_comment = client_comments(app, account, draft_in_review)
    with app.app_context():  # Omar commented, but is no longer one of the draft's reviewers
        db.session.execute(
            delete(DraftReviewer).where(DraftReviewer.user_id == account.second_reviewer.id)
        )
        db.session.commit()
    feedback = {
        hannah_comment: (FeedbackStatus.ADDRESSED, ""),
        omar_comment: (FeedbackStatus.DECLINED, "Yorkshire is the brand's word."),
    }
    new_version(app, draft_in_review, account.writer, feedback)
    let_the_batching_window_pass(app, jobs_on_redis)
    jobs_on_redis.burst()

    summary = "What we did with your feedback: 1 addressed, 1 declined."
    for commenter in ("hannah@northwind.test", "omar@northwind.test"):
        (message,) = box.to(commenter)
        assert summary in box.text(message)
        assert summary in message.get_body(preferencelist=("html",)).get_content()
    assert SECRET not in all_of(box)


def test_a_version_seen_on_the_draft_page_first_is_not_emailed(
    app, account, draft_in_review, new_browser, everyone_immediate, jobs_on_redis, mailbox
):
    box, _ = mailbox
    new_version(app, draft_in_review, account.writer)
    seen = browser_for(new_browser, account.reviewer).get(account.draft_url(draft_in_review))
    assert seen.status_code == 200
    let_the_batching_window_pass(app, jobs_on_redis)
    jobs_on_redis.burst()
    jobs_on_redis.tick()
    jobs_on_redis.burst()

    assert box.to("hannah@northwind.test") == []
    assert len(box.to("omar@northwind.test")) == 1


def test_a_decision_seen_on_the_draft_page_first_is_not_emailed(
    app, account, draft_in_review, new_browser, everyone_immediate, jobs_on_redis, mailbox
):
    box, _ = mailbox
    reviewer = browser_for(new_browser, account.reviewer)
    assert decide(reviewer, account, draft_in_review, Verdict.APPROVED).status_code == 302
    writer = browser_for(new_browser, account.writer)
    assert writer.get(account.draft_url(draft_in_review)).status_code == 200
    let_the_batching_window_pass(app, jobs_on_redis)
    jobs_on_redis.burst()
    jobs_on_redis.tick()
    jobs_on_redis.burst()

    assert box.to("dana@agency.test") == []
    (message,) = box.to("ada@agency.test")
    assert "Approved." in box.text(message)


def test_digest_people_read_it_in_their_digest_not_as_it_happens(
    app, account, draft_in_review, new_browser, jobs_on_redis, mailbox
):
    box, _ = mailbox
    set_frequency(app, EmailFrequency.DAILY, account.second_reviewer, account.writer)
    set_frequency(app, EmailFrequency.IMMEDIATE, account.reviewer, account.manager)
    set_frequency(app, EmailFrequency.OFF, account.designer)
    _hannah_comment, omar_comment = client_comments(app, account, draft_in_review)
    feedback = {omar_comment: (FeedbackStatus.ADDRESSED, "")}
    new_version(app, draft_in_review, account.writer, feedback)
    reviewer = browser_for(new_browser, account.reviewer)
    changes = decide(reviewer, account, draft_in_review, Verdict.CHANGES_REQUESTED, "Warmer.")
    assert changes.status_code == 302
    let_the_batching_window_pass(app, jobs_on_redis)
    jobs_on_redis.burst()
    jobs_on_redis.tick()
    jobs_on_redis.burst()
    assert box.to("omar@northwind.test") == [] and box.to("dana@agency.test") == []
    assert len(box.to("ada@agency.test")) == 1
    assert box.to("mateo@agency.test") == [], "e-mail is off"

    with app.app_context():
        end = utcnow() + timedelta(minutes=1)
        for person in (account.second_reviewer, account.writer):
            send_digest(person.id, "daily:test", end.isoformat())
            db.session.commit()
        dispatch_ready()
    jobs_on_redis.burst()

    (omar,) = box.to("omar@northwind.test")
    assert "== Reviews ==" in box.text(omar)
    assert "What we did with your feedback: 1 addressed, 1 still open." in box.text(omar)
    assert "version 1" not in box.text(omar), "a version since replaced"
    assert "Ready for your decision" not in box.text(omar), "the version listed twice"
    (dana,) = box.to("dana@agency.test")
    assert "Homepage intro, version 2 — Hannah Client" in box.text(dana)
    assert "Changes requested: Warmer." in box.text(dana)
    assert SECRET not in all_of(box)


def test_quiet_hours_hold_the_email_until_they_are_over(
    app, account, draft_in_review, everyone_immediate, jobs_on_redis, mailbox
):
    box, _ = mailbox
    hour = utcnow().hour
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.id == account.reviewer.id)
            .values(quiet_from=hour, quiet_until=(hour + 2) % 24)
        )
        db.session.commit()
    new_version(app, draft_in_review, account.writer)
    let_the_batching_window_pass(app, jobs_on_redis)
    jobs_on_redis.burst()
    assert box.to("hannah@northwind.test") == []
    assert len(box.to("omar@northwind.test")) == 1

    with app.app_context():
        db.session.execute(
            update(User).where(User.id == account.reviewer.id).values(quiet_from=None)
        )
        db.session.commit()
        assert (
            db.session.scalar(
                select(ReviewNotice.handled_at)
                .where(ReviewNotice.user_id == account.reviewer.id)
                .order_by(ReviewNotice.id.desc())
            )
            is None
        )
    jobs_on_redis.tick()
    jobs_on_redis.burst()
    assert len(box.to("hannah@northwind.test")) == 1
