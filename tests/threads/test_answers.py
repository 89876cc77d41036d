"""The answer kept on each client comment: posting, notes, sharing a note, deleting, and the
migration that filled it for the comments written before."""

import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from portal import create_app
from portal.extensions import db
from portal.models import Comment, Mention, User
from portal.threads import services as thread_services
from portal.threads.queries import first_staff_reply_id, unanswered_client_comments
from tests.databases import scratch_database
from tests.drafts.helpers import comment_fields
from tests.factories import make_comment, make_thread
from tests.inbox.test_inbox import entries, inbox_of
from tests.review import browser_for, build_account

# The revision before comments kept their answers.
BEFORE_ANSWERS = "8ef0baf185d3"


def answers(app) -> dict[str, str | None]:
    """Each client comment's text and the text of the comment kept as its answer."""
    answer = aliased(Comment)
    with app.app_context():
        rows = db.session.execute(
            select(Comment.body, answer.body)
            .outerjoin(answer, answer.id == Comment.answered_by_id)
            .where(Comment.from_client.is_(True))
        )
        return dict(rows.all())


def waiting(app) -> set[str]:
    """The texts of the client comments waiting on the agency."""
    with app.app_context():
        ids = select(unanswered_client_comments().subquery().c.id)
        return set(db.session.scalars(select(Comment.body).where(Comment.id.in_(ids))))


def assert_kept_as_the_threads_say(app) -> None:
    """On every comment, the kept facts equal what its thread says: the author's kind, and
    the first later client-visible, live staff comment."""
    author = aliased(User)
    with app.app_context():
        rows = db.session.execute(
            select(
                Comment.id,
                Comment.from_client,
                author.kind == "client",
                Comment.answered_by_id,
                first_staff_reply_id(Comment),
            ).join(author, author.id == Comment.author_id)
        ).all()
    for comment_id, from_client, by_client, kept, found in rows:
        assert from_client == by_client, comment_id
        assert kept == (found if from_client else None), comment_id


def act(app, action, comment: Comment, user: User) -> None:
    """Run a thread service (``promote_note``, ``delete_comment``) on stored rows and commit."""
    with app.app_context():
        action(db.session.get(User, user.id), db.session.get(Comment, comment.id))
        db.session.commit()


def test_a_staff_reply_answers_every_earlier_client_comment_and_a_note_none(app, account, thread):
    with app.app_context():
        make_comment(thread, account.second_reviewer, "And the budget?")
        make_comment(thread, account.writer, "Ask the roaster first.", internal=True)
    assert waiting(app) == {"When do we launch?", "And the budget?"}

    with app.app_context():
        make_comment(thread, account.designer, "Early April, within budget.")
        make_comment(thread, account.reviewer, "Great, and the venue?")
        make_thread(account.client, account.reviewer, project=account.project, body="Other?")
    assert answers(app) == {
        "When do we launch?": "Early April, within budget.",
        "And the budget?": "Early April, within budget.",
        "Great, and the venue?": None,
        "Other?": None,
    }
    assert waiting(app) == {"Great, and the venue?", "Other?"}
    assert_kept_as_the_threads_say(app)


def test_a_shared_note_answers_the_client_comments_before_it(app, account, thread):
    with app.app_context():
        note = make_comment(thread, account.writer, "Early April, I think.", internal=True)
        make_comment(thread, account.reviewer, "And the budget?")
        make_comment(thread, account.designer, "Within budget.")
    assert answers(app) == {
        "When do we launch?": "Within budget.",
        "And the budget?": "Within budget.",
    }

    act(app, thread_services.promote_note, note, account.manager)
    # The shared note is now the first answer to what came before it, not to what came after.
    assert answers(app) == {
        "When do we launch?": "Early April, I think.",
        "And the budget?": "Within budget.",
    }
    assert waiting(app) == set()
    assert_kept_as_the_threads_say(app)


def test_deleting_an_answer_falls_back_to_the_next_one_or_to_waiting(app, account, thread):
    with app.app_context():
        first = make_comment(thread, account.writer, "Early April.")
        make_comment(thread, account.reviewer, "And the budget?")
        second = make_comment(thread, account.designer, "Within budget.")
    assert waiting(app) == set()

    act(app, thread_services.delete_comment, first, account.writer)
    assert answers(app) == {
        "When do we launch?": "Within budget.",
        "And the budget?": "Within budget.",
    }
    act(app, thread_services.delete_comment, second, account.designer)
    assert waiting(app) == {"When do we launch?", "And the budget?"}
    assert_kept_as_the_threads_say(app)


def test_resolving_or_deleting_a_client_comment_takes_it_off_the_list(app, account, thread):
    with app.app_context():
        question = make_comment(thread, account.reviewer, "And the budget?")
    with app.app_context():
        launch = db.session.scalar(select(Comment).where(Comment.body == "When do we launch?"))
        thread_services.set_resolved(db.session.get(User, account.writer.id), launch, True)
        db.session.commit()
    assert waiting(app) == {"And the budget?"}
    act(app, thread_services.delete_comment, question, account.reviewer)
    assert waiting(app) == set()


def test_the_account_manager_sees_a_shared_note_and_a_deleted_reply_in_the_inbox(
    app, account, thread, new_browser
):
    manager = browser_for(new_browser, account.manager)
    with app.app_context():
        note = make_comment(thread, account.writer, "Early April.", internal=True)
    assert [e.split(" · ")[0] for e in entries(inbox_of(manager), "waiting")] == ["Launch date"]

    assert manager.post(account.comment_url(note, "promote")).status_code == 302
    assert entries(inbox_of(manager), "waiting") == []

    manager.post(account.thread_url(thread, "/comments"), data=comment_fields("Or May."))
    writer = browser_for(new_browser, account.writer)
    assert writer.post(account.comment_url(note, "delete")).status_code in (200, 302)
    assert entries(inbox_of(manager), "waiting") == []  # "Or May." still answers it
    with app.app_context():
        reply = db.session.scalar(select(Comment).where(Comment.body == "Or May."))
    assert manager.post(account.comment_url(reply, "delete")).status_code in (200, 302)
    assert [e.split(" · ")[0] for e in entries(inbox_of(manager), "waiting")] == ["Launch date"]


@pytest.fixture
def scratch_app(app, tmp_path):
    """The app under test on a database of its own, which the test may migrate up and down."""
    with scratch_database(os.environ.get("PORTAL_TEST_DATABASE_URL"), tmp_path, "answers") as url:
        scratch = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": url}, environ={})
        with scratch.app_context():
            upgrade()
        yield scratch
        with scratch.app_context():
            db.engine.dispose()


def test_the_migration_fills_in_the_answers_of_comments_written_before_it(scratch_app):
    account = build_account(scratch_app)
    with scratch_app.app_context():
        thread = make_thread(account.client, account.reviewer, project=account.project)
        note = make_comment(thread, account.writer, "A note.", internal=True)
        make_comment(thread, account.second_reviewer, "Second question.")
        gone = make_comment(thread, account.designer, "A deleted answer.")
        make_comment(thread, account.reviewer, "Third question.")
        make_comment(thread, account.writer, "An answer, @hannah.")
        make_comment(thread, account.reviewer, "Still waiting.")
        other = make_thread(account.client, account.second_reviewer, body="Elsewhere.")
        make_comment(other, account.writer, "Only a note.", internal=True)
    act(scratch_app, thread_services.promote_note, note, account.writer)
    act(scratch_app, thread_services.delete_comment, gone, account.designer)
    kept = answers(scratch_app)
    assert kept["Still waiting."] is None and kept["Second question."] == "An answer, @hannah."
    with scratch_app.app_context():
        mentions = db.session.scalar(select(func.count(Mention.id)))

    with scratch_app.app_context():
        db.session.remove()
        downgrade(revision=BEFORE_ANSWERS)
        upgrade()
        db.session.remove()
    assert answers(scratch_app) == kept
    with scratch_app.app_context():
        # SQLite's table copies left the rows pointing at comments alone.
        assert db.session.scalar(select(func.count(Mention.id))) == mentions == 1
    assert waiting(scratch_app) == {"Still waiting.", "Elsewhere."}
    assert_kept_as_the_threads_say(scratch_app)
