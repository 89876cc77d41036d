""" "Waiting on you": each list fills when something needs the person and empties when done."""

import re

import pytest
from sqlalchemy import func, select, update

from portal.drafts import services as draft_services
from portal.extensions import db
from portal.models import Comment, Mention, Subscription, User
from portal.threads.services import promote_note
from portal.threads.subscriptions import refresh_read_mentions, refresh_unread_subscriptions
from tests.drafts.helpers import comment_fields, decide, text_of
from tests.factories import make_comment, make_project, make_thread
from tests.review import browser_for

SECTIONS = {
    "decide": "Versions to decide",
    "waiting": "Clients waiting on the agency",
    "revise": "Drafts to revise",
    "questions": "Questions for you",
    "unread": "Unread threads",
}


def inbox_of(browser) -> str:
    response = browser.get("/inbox")
    assert response.status_code == 200
    return text_of(response)


def section(html: str, name: str) -> str | None:
    """The HTML of one inbox section, or None when the inbox doesn't show it."""
    match = re.search(
        rf'<section aria-labelledby="{name}-title" class="inbox-section">(.*?)</section>',
        html,
        flags=re.S,
    )
    if match:
        assert SECTIONS[name] in match.group(1)
    return match.group(1) if match else None


def entries(html: str, name: str) -> list[str]:
    """The entries of a section as plain text, in order; empty when the section is absent."""
    body = section(html, name)
    if body is None:
        return []
    items = re.findall(r"<li>(.*?)</li>", body, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


# --- clients -------------------------------------------------------------------------------


def test_a_version_waits_for_the_clients_decision_until_they_decide(
    account, draft_in_review, reviewer
):
    (entry,) = entries(inbox_of(reviewer), "decide")
    assert entry.startswith("Homepage intro , version 1 · waiting")

    decide(reviewer, account, draft_in_review, "approved")
    html = inbox_of(reviewer)
    assert section(html, "decide") is None
    assert "Homepage intro" not in html


def test_a_question_for_the_client_waits_until_they_have_read_it(
    app, account, draft_in_review, reviewer
):
    with app.app_context():
        thread = draft_services.draft_thread(draft_in_review)
        question = make_comment(thread, account.writer, "@hannah is Leeds the right city?")

    (entry,) = entries(inbox_of(reviewer), "questions")
    assert "Homepage intro" in entry and "Dana Writer" in entry
    assert "@hannah is Leeds the right city?" in entry

    response = reviewer.post(account.thread_url(thread, "/read"), data={"up_to": question.id})
    assert response.status_code == 302
    assert section(inbox_of(reviewer), "questions") is None


def test_reading_a_thread_marks_read_the_mentions_up_to_where_it_was_read(
    app, account, draft_in_review, reviewer
):
    """Kept on each mention, so questions are found among the unread, not all mentions."""
    with app.app_context():
        thread = draft_services.draft_thread(draft_in_review)
        first = make_comment(thread, account.writer, "@hannah is Leeds the right city?")
        second = make_comment(thread, account.writer, "@hannah and the date?")
        elsewhere = make_thread(account.client, account.writer, title="Launch",
                                body="@hannah when do we launch?")  # fmt: skip

    reviewer.post(account.thread_url(thread, "/read"), data={"up_to": first.id})

    with app.app_context():
        read = dict(
            db.session.execute(
                select(Mention.comment_id, Mention.read).where(
                    Mention.user_id == account.reviewer.id
                )
            ).all()
        )
        opening = db.session.scalar(select(Comment.id).where(Comment.thread_id == elsewhere.id))
    assert read == {first.id: True, second.id: False, opening: False}
    assert [e for e in entries(inbox_of(reviewer), "questions") if "the date?" in e]


def test_refreshing_the_read_mentions_follows_the_read_marks(app, account, draft_in_review):
    with app.app_context():
        thread = draft_services.draft_thread(draft_in_review)
        question = make_comment(thread, account.writer, "@hannah is Leeds the right city?")
        is_read = select(Mention.read).where(Mention.comment_id == question.id)
        assert db.session.scalar(is_read) is False
        # A read mark moved by hand, around mark_read (as bulk loads and the bench do).
        db.session.execute(
            update(Subscription)
            .where(Subscription.thread_id == thread.id, Subscription.user_id == account.reviewer.id)
            .values(last_read_comment_id=question.id)
        )
        refresh_read_mentions()
        assert db.session.scalar(is_read) is True


def test_an_empty_inbox_says_nothing_is_waiting(account, reviewer, writer):
    assert "Nothing is waiting on you." in inbox_of(reviewer)
    assert "Nothing is waiting on you." in inbox_of(writer)


# --- staff ---------------------------------------------------------------------------------


@pytest.fixture
def two_questions(app, account, thread):
    """The reviewer's "Launch date" thread, then Omar's "Budget" question: the older first."""
    with app.app_context():
        second = make_thread(
            account.client,
            account.second_reviewer,
            project=account.project,
            title="Budget",
            body="Can we add a video?",
        )
    return thread, second


def test_client_comments_without_a_staff_answer_wait_oldest_first(account, two_questions, writer):
    waiting = entries(inbox_of(writer), "waiting")
    assert [entry.split(" · ")[0] for entry in waiting] == ["Launch date", "Budget"]
    assert "Hannah Client (Northwind)" in waiting[0]
    assert "When do we launch?" in waiting[0]
    assert "Omar Client (Northwind)" in waiting[1]


def test_a_staff_answer_takes_the_client_comment_off_the_waiting_list(
    account, two_questions, writer
):
    first, _ = two_questions
    writer.post(account.thread_url(first, "/comments"), data=comment_fields("Early April."))
    waiting = entries(inbox_of(writer), "waiting")
    assert [entry.split(" · ")[0] for entry in waiting] == ["Budget"]


def test_a_staff_only_note_does_not_take_it_off_the_waiting_list(account, two_questions, writer):
    first, _ = two_questions
    writer.post(
        account.thread_url(first, "/comments"),
        data=comment_fields("Ask the roaster.", internal="y"),
    )
    waiting = entries(inbox_of(writer), "waiting")
    assert [entry.split(" · ")[0] for entry in waiting] == ["Launch date", "Budget"]


def test_staff_only_see_clients_they_serve_waiting(app, account, new_browser, writer):
    with app.app_context():
        south_project = make_project(account.other_client)
        make_thread(
            account.other_client,
            account.other_reviewer,
            project=south_project,
            title="Southern question",
            body="Anyone there?",
        )

    assert "Southern question" not in inbox_of(writer)
    south_staff = browser_for(new_browser, account.other_staff)
    assert [e.split(" · ")[0] for e in entries(inbox_of(south_staff), "waiting")] == [
        "Southern question"
    ]


def test_unread_threads_are_listed_with_how_many_comments_are_new(
    app, account, two_questions, writer, reviewer
):
    first, _ = two_questions
    writer.post(account.thread_url(first, "/comments"), data=comment_fields("Early April."))
    reviewer.post(account.thread_url(first, "/comments"), data=comment_fields("Great."))
    reviewer.post(account.thread_url(first, "/comments"), data=comment_fields("And the video?"))

    html = inbox_of(writer)
    assert entries(html, "unread") == ["Launch date · 2 new"]
    assert re.search(r'Unread threads <span class="count">1</span>', html)

    last = re.findall(r'id="comment-(\d+)"', text_of(writer.get(account.thread_url(first))))[-1]
    writer.post(account.thread_url(first, "/read"), data={"up_to": last})
    assert section(inbox_of(writer), "unread") is None


def unread_marks(app, thread_id) -> dict[int, bool]:
    with app.app_context():
        return dict(
            db.session.execute(
                select(Subscription.user_id, Subscription.unread).where(
                    Subscription.thread_id == thread_id
                )
            ).all()
        )


def test_a_subscription_is_marked_unread_by_what_its_reader_may_read_until_caught_up(
    app, account, reviewer, writer
):
    """Kept on each subscription, so unread threads are found among those marked."""
    with app.app_context():
        thread = make_thread(account.client, account.reviewer, title="Launch", body="When?")
        writer_id, reviewer_id = account.writer.id, account.reviewer.id
        make_comment(thread, account.writer, "April.")  # the writer follows from now on
    assert unread_marks(app, thread.id) == {reviewer_id: True, writer_id: False}

    last = re.findall(r'id="comment-(\d+)"', text_of(reviewer.get(account.thread_url(thread))))[-1]
    reviewer.post(account.thread_url(thread, "/read"), data={"up_to": last})
    assert unread_marks(app, thread.id)[reviewer_id] is False

    with app.app_context():
        note = make_comment(thread, account.writer, "Check the date first.", internal=True)
    # A staff-only note waits for no client; shared, it does.
    assert unread_marks(app, thread.id)[reviewer_id] is False
    with app.app_context():
        promote_note(db.session.get(User, writer_id), db.session.get(Comment, note.id))
        db.session.commit()
    assert unread_marks(app, thread.id)[reviewer_id] is True
    assert [e for e in entries(inbox_of(reviewer), "unread") if "Launch" in e]


def test_refreshing_the_unread_marks_follows_the_read_marks(app, account, reviewer, writer):
    with app.app_context():
        thread = make_thread(account.client, account.reviewer, title="Launch", body="When?")
        make_comment(thread, account.writer, "Check the date first.", internal=True)
        make_comment(thread, account.writer, "April.")
        reviewer_id, writer_id = account.reviewer.id, account.writer.id
        db.session.execute(update(Subscription).values(unread=True, last_read_comment_id=0))
        refresh_unread_subscriptions()
        db.session.commit()
    assert unread_marks(app, thread.id) == {reviewer_id: True, writer_id: True}
    with app.app_context():
        last = db.session.scalar(select(func.max(Comment.id)))
        db.session.execute(update(Subscription).values(last_read_comment_id=last - 1))
        refresh_unread_subscriptions()
        db.session.commit()
    # Read up to the last but one: only the writer's "April." follows, which waits for the
    # reviewer and not for the writer who wrote it.
    assert unread_marks(app, thread.id) == {reviewer_id: True, writer_id: False}


def test_a_draft_with_changes_requested_waits_on_its_maker(
    account, draft_in_review, reviewer, writer
):
    decide(reviewer, account, draft_in_review, "changes_requested", "Name the farm.")
    (entry,) = entries(inbox_of(writer), "revise")
    assert entry.startswith("Homepage intro · changes requested")
