"""What a guest reaches beyond the matrix's rows: their draft's discussion (every thread and
comment route the gate lets them use), and the list scopes of portal.access."""

import pytest

from portal import access
from portal.drafts.services import draft_thread
from portal.extensions import db
from portal.models import Comment, Draft, GuestGrant, Thread, User, Version
from tests.access.test_matrix import ALLOWED, BAD, FORBIDDEN, HIDDEN, INVALID, classify
from tests.factories import make_comment
from tests.personas import build_world

# (method, path under /clients/alpha, as the guest gets it) on draft_a's discussion.
ON_THEIR_DRAFT = [
    ("GET", "/threads/{thread}", ALLOWED),
    ("POST", "/threads/{thread}/comments", INVALID),
    ("GET", "/threads/{thread}/comments?after=0", ALLOWED),
    ("GET", "/threads/{thread}/comments/older?before=99999", ALLOWED),
    ("POST", "/threads/{thread}/read", BAD),
    ("POST", "/threads/{thread}/follow", INVALID),
    ("GET", "/comments/{own}/edit", ALLOWED),
    ("POST", "/comments/{own}/resolve", ALLOWED),
    ("POST", "/comments/{own}/reopen", ALLOWED),
    ("GET", "/comments/{clients}/edit", FORBIDDEN),
    ("POST", "/comments/{clients}/delete", FORBIDDEN),
    ("GET", "/comments/{note}/edit", HIDDEN),
    ("POST", "/comments/{note}/resolve", HIDDEN),
    ("GET", "/comments/{note}/promote", HIDDEN),
    ("POST", "/comments/{own}/delete", ALLOWED),
]


@pytest.fixture
def guest_world(app):
    world = build_world(app)
    with app.app_context():
        thread = draft_thread(db.session.get(Draft, world.draft_a.id))
        member = db.session.get(User, world.person("client_member_a").id)
        maker = db.session.get(User, world.person("maker_on_a").id)
        guest = db.session.get(User, world.person("guest").id)
        guest.guest_grant = db.session.get(GuestGrant, world.guest_grant.id)
        rows = {
            "thread": thread.id,
            "own": make_comment(thread, guest, "The guest's own.").id,
            "clients": make_comment(thread, member, "The client's.").id,
            "note": make_comment(thread, maker, "SECRET-NOTE", internal=True).id,
        }
    return world, rows


def test_the_guest_uses_their_drafts_discussion(app, new_browser, guest_world):
    world, rows = guest_world
    mismatches = []
    for method, path, expected in ON_THEIR_DRAFT:
        browser = new_browser()
        world.sign_in(browser, "guest")
        url = "/clients/alpha" + path.format(**rows)
        got = classify(browser.open(url, method=method, data={}))
        if got != expected:
            mismatches.append(f"{method} {url}: expected {expected}, got {got}")
    assert mismatches == []


def test_the_guests_list_scopes_hold_their_draft_alone(app, guest_world):
    world, rows = guest_world
    with app.app_context():
        guest = db.session.get(User, world.person("guest").id)
        guest.guest_grant = db.session.get(GuestGrant, world.guest_grant.id)
        drafts = set(db.session.scalars(access.visible_drafts(guest).with_only_columns(Draft.id)))
        versions = set(
            db.session.scalars(access.visible_versions(guest).with_only_columns(Version.draft_id))
        )
        threads = set(
            db.session.scalars(access.visible_threads(guest).with_only_columns(Thread.id))
        )
        comments = set(
            db.session.scalars(access.visible_comments(guest).with_only_columns(Comment.id))
        )
        assert drafts == versions == {world.draft_a.id}
        assert threads == {rows["thread"]}
        assert comments == {rows["own"], rows["clients"]}
        for nothing in (access.visible_projects, access.visible_events, access.visible_people):
            assert db.session.scalars(nothing(guest)).all() == [], nothing.__name__
        assert db.session.scalar(access.visible_clients(guest)).id == world.client_a.id
        # Without the grant of a session, a guest sees nothing at all.
        guest.guest_grant = None
        assert db.session.scalars(access.visible_drafts(guest)).all() == []
        assert db.session.scalars(access.visible_comments(guest)).all() == []
        assert db.session.scalars(access.visible_clients(guest)).all() == []
