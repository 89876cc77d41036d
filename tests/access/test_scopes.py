"""The list scopes of portal.access, person by person, on the matrix's two clients."""

import pytest

from portal import access
from portal.drafts.services import draft_thread
from portal.extensions import db
from portal.models import Comment, Event, Thread, User
from tests.factories import make_comment, make_thread

CLIENT_USERS_OF_A = {"client_member_a", "client_admin_a"}


@pytest.fixture
def rows(app, world):
    """The world's threads plus an internal one on A and one on B, by name."""
    with app.app_context():
        maker = db.session.get(User, world.person("maker_on_a").id)
        internal = make_thread(world.client_a, maker, internal=True, title="Margins")
        other = make_thread(world.client_b, db.session.get(User, world.person("client_b").id))
        make_comment(internal, maker, "Staff only, whole thread.")
        return {
            "draft_thread_a": draft_thread(world.draft_a).id,
            "thread_a": world.thread_a.id,
            "internal_a": internal.id,
            "thread_b": other.id,
        }


SHARED_A = {"draft_thread_a", "thread_a"}
THREADS_IN_SCOPE = {
    "client_member_a": SHARED_A,
    "client_admin_a": SHARED_A,
    "client_b": {"thread_b"},
    "staff_not_on_a": {"thread_b"},
    "maker_on_a": SHARED_A | {"internal_a"},
    "account_manager_a": SHARED_A | {"internal_a"},
    "admin": SHARED_A | {"internal_a", "thread_b"},
}


@pytest.mark.parametrize("persona", THREADS_IN_SCOPE)
def test_threads_and_comments_in_scope_follow_the_client_scope_and_the_staff_only_rule(
    app, world, rows, persona
):
    with app.app_context():
        user = db.session.get(User, world.person(persona).id)
        threads = set(db.session.scalars(access.visible_threads(user).with_only_columns(Thread.id)))
        comments = db.session.execute(
            access.visible_comments(user).with_only_columns(Comment.id, Comment.internal, Thread.id)
        ).all()

    expected = {rows[name] for name in THREADS_IN_SCOPE[persona]}
    assert threads == expected
    assert {thread_id for _id, _internal, thread_id in comments} <= expected
    if persona in CLIENT_USERS_OF_A:
        assert not any(internal for _id, internal, _thread in comments)
        assert world.client_comment_a.id in {comment_id for comment_id, _i, _t in comments}


@pytest.mark.parametrize("persona", THREADS_IN_SCOPE)
def test_events_in_scope(app, world, rows, persona):
    with app.app_context():
        user = db.session.get(User, world.person(persona).id)
        events = db.session.execute(
            access.visible_events(user).with_only_columns(Event.client_id, Event.client_visible)
        ).all()
    clients = {client_id for client_id, _visible in events}

    if persona in CLIENT_USERS_OF_A:
        assert clients == {world.client_a.id}
        assert all(visible for _client, visible in events)
    elif persona == "client_b":
        assert clients == {world.client_b.id}
        assert all(visible for _client, visible in events)
    elif persona == "staff_not_on_a":
        assert clients == {world.client_b.id}
    elif persona == "admin":
        assert {world.client_a.id, world.client_b.id} <= clients
    else:
        assert clients == {world.client_a.id}
        assert not all(visible for _client, visible in events), "staff see staff-only events"


@pytest.mark.parametrize(
    "staff_only, expected",
    [
        (False, {"maker_on_a", "account_manager_a", *CLIENT_USERS_OF_A}),
        (True, {"maker_on_a", "account_manager_a"}),
    ],
    ids=["client-visible comment", "staff-only comment"],
)
def test_people_who_may_be_mentioned_are_the_team_and_for_shared_comments_the_client(
    app, world, staff_only, expected
):
    with app.app_context():
        who = access.people_who_may_be_mentioned(world.client_a.id, staff_only=staff_only)
        mentionable = set(db.session.scalars(who.with_only_columns(User.id)))
        departed = db.session.get(User, world.person("maker_on_a").id)
        departed.active = False
        db.session.flush()
        after_leaving = set(db.session.scalars(who.with_only_columns(User.id)))

    assert mentionable == {world.person(persona).id for persona in expected}
    assert after_leaving == mentionable - {departed.id}
