"""View as client: staff on an account read the portal as one of the client's people, with
a banner, read-only, and each use is on the client's (staff-only) activity log."""

import re
import time

import pytest
from sqlalchemy import select

from portal import access
from portal.extensions import db
from portal.models import Assignment, Event, ReviewNotice, User
from tests.access.test_buttons import build_discussion
from tests.access.test_matrix import ROUTES, classify
from tests.factories import make_client_user, make_comment, sign_in
from tests.personas import build_world

BANNER = "You are viewing as <strong>{name}</strong> of {client} — read-only."
READ_ONLY = "Read-only while viewing as {name} of {client}."
# The routes that may still change something while viewing as someone.
STOPPING = {("view_as.stop", "POST"), ("auth.logout", "POST")}


def signed_in(new_browser, person):
    browser = new_browser()
    sign_in(browser, person)
    return browser


def view_as(browser, person) -> None:
    """Start viewing as ``person`` (of client A) in ``browser``, signed in as staff."""
    response = browser.post(f"/clients/alpha/people/{person.id}/view-as")
    assert response.status_code == 302, response.text
    assert response.headers["Location"] == "/clients/alpha"


def events(app, verb: str) -> list[Event]:
    with app.app_context():
        return db.session.scalars(select(Event).where(Event.verb == verb).order_by(Event.id)).all()


def database_rows(app) -> dict[str, list]:
    """Every row of every table, to tell that nothing was written."""
    with app.app_context():
        db.session.remove()
        return {
            table.name: sorted(map(repr, db.session.execute(select(table)).all()))
            for table in db.metadata.sorted_tables
        }


def unseen_review_notice(app, world, member) -> int:
    """A notice to ``member`` of client A's draft, not yet seen (the draft page marks it
    seen); its id."""
    with app.app_context():
        notice = ReviewNotice(
            user_id=member.id, draft_id=world.draft_a.id, version_id=world.version_a.id
        )
        db.session.add(notice)
        db.session.commit()
        return notice.id


def test_staff_read_a_client_page_as_the_client_with_a_banner(app, world, new_browser):
    member = world.people["client_member_a"]
    browser = signed_in(new_browser, world.people["account_manager_a"])
    own = browser.get("/clients/alpha").text
    view_as(browser, member)

    page = browser.get("/clients/alpha").text

    assert BANNER.format(name=member.name, client="Alpha") in page
    assert 'action="/view-as/stop"' in page and "data-viewing-as" in page
    assert page != own
    assert "New project" in own and "New project" not in page
    # The thread list is the client's: the same as the client's own page shows.
    client_page = signed_in(new_browser, member).get("/clients/alpha").text
    assert strip_tokens(page.split("</header>")[1]) == strip_tokens(
        client_page.split("</header>")[1]
    )
    # The staff-only note is staff's to see, and not while viewing as the client.
    thread = f"/clients/alpha/threads/{world.thread_a.id}"
    assert "check first." not in browser.get(thread).text
    assert browser.get("/admin/clients").status_code == 403


def strip_tokens(html: str) -> str:
    """``html`` without what differs from one session to another: CSRF tokens."""
    html = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', html)
    return re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": ""', html)


def thread_region(html: str) -> str:
    """The thread and its comments: from the thread's section to the end of the page's main."""
    return html[html.index('<section class="thread"') : html.index("</main>")]


@pytest.mark.parametrize("page", ["draft", "thread"])
def test_the_thread_is_byte_for_byte_what_the_client_sees(app, new_browser, page):
    """The thread region of the draft page and of a thread page, rendered for the client and
    for staff viewing as the client, differ only in their CSRF tokens (per session)."""
    discussion = build_discussion(app)
    world = discussion.world
    member, maker = world.people["client_member_a"], world.people["maker_on_a"]
    with app.app_context():
        make_comment(db.session.merge(world.thread_a), maker, "Noted, **soon**.")
    url = discussion.page if page == "draft" else f"/clients/alpha/threads/{world.thread_a.id}"

    as_client = signed_in(new_browser, member).get(url)
    staff = signed_in(new_browser, world.people["account_manager_a"])
    as_staff = staff.get(url).text
    view_as(staff, member)
    viewed_as = staff.get(url)

    assert as_client.status_code == viewed_as.status_code == 200
    client_thread = thread_region(as_client.text)
    assert strip_tokens(thread_region(viewed_as.text)) == strip_tokens(client_thread)
    assert "csrf_token" in client_thread  # the only thing stripped, so compared for real
    # Staff's own page differs: it has the staff-only notes the client never sees.
    note = "Check the budget." if page == "draft" else "check first."
    assert note in as_staff and note not in client_thread


@pytest.mark.parametrize("reader", ["client_member_a", "client_admin_a"])
def test_every_state_changing_route_is_refused_and_writes_nothing(app, new_browser, reader):
    """Every POST, PUT, PATCH and DELETE of the app (the access matrix's rows) but stopping
    and signing out: 403 with why, and not one row of any table changed."""
    world = build_world(app)
    person = world.people[reader]
    browser = signed_in(new_browser, world.people["admin"])
    view_as(browser, person)
    before = database_rows(app)
    changing = sorted(key for key in ROUTES if key[1] != "GET" and key not in STOPPING)
    assert len(changing) > 40

    answers = {}
    for endpoint, method in changing:
        url = ROUTES[(endpoint, method)][0].format(w=world)
        response = browser.open(url, method=method, data={"body": "x", "name": "x"})
        answers[endpoint, method] = (response.status_code, response.text)

    refused = READ_ONLY.format(name=person.name, client="Alpha")
    wrong = {key: status for key, (status, text) in answers.items() if status != 403}
    assert wrong == {}
    assert all(refused in text for _status, text in answers.values())
    assert database_rows(app) == before


def test_reading_every_page_as_the_client_gets_what_the_client_gets_and_writes_nothing(
    app, new_browser
):
    """Every GET route of the matrix answers staff viewing as client_member_a what it answers
    client_member_a, and leaves no row changed (no seen mark, no subscription)."""
    world = build_world(app)
    member = world.people["client_member_a"]
    unseen_review_notice(app, world, member)
    browser = signed_in(new_browser, world.people["account_manager_a"])
    view_as(browser, member)
    before = database_rows(app)

    mismatches = []
    for endpoint, method in sorted(key for key in ROUTES if key[1] == "GET"):
        url, expected = ROUTES[(endpoint, method)]
        response = browser.get(url.format(w=world))
        got = classify(response)
        if got != expected["client_member_a"] or b"Read-only while" in response.data:
            mismatches.append(f"{endpoint}: {got}, {response.status_code}")

    assert mismatches == []
    assert database_rows(app) == before


def test_the_draft_page_marks_the_review_seen_for_the_client_not_for_staff_viewing_as(
    app, world, new_browser
):
    member = world.people["client_member_a"]
    notice_id = unseen_review_notice(app, world, member)
    draft = f"/clients/alpha/drafts/{world.draft_a.id}"

    def seen_at():
        with app.app_context():
            return db.session.get(ReviewNotice, notice_id).seen_at

    staff = signed_in(new_browser, world.people["maker_on_a"])
    view_as(staff, member)
    assert staff.get(draft).status_code == 200
    assert seen_at() is None
    assert signed_in(new_browser, member).get(draft).status_code == 200
    assert seen_at() is not None


def test_start_and_stop_are_audited_with_the_pages_viewed(app, world, new_browser):
    member, manager = world.people["client_member_a"], world.people["account_manager_a"]
    browser = signed_in(new_browser, manager)
    view_as(browser, member)
    (started,) = events(app, "view_as_started")
    assert (started.actor_id, started.subject_id, started.subject_type) == (
        manager.id,
        member.id,
        "users",
    )
    assert started.client_id == world.client_a.id and not started.client_visible

    for url in ("/clients/alpha", f"/clients/alpha/threads/{world.thread_a.id}", "/inbox"):
        assert browser.get(url).status_code == 200
    stopped = browser.post("/view-as/stop", data={"next": "/clients/alpha/people"})

    assert stopped.status_code == 302 and stopped.headers["Location"] == "/clients/alpha/people"
    (event,) = events(app, "view_as_stopped")
    assert event.actor_id == manager.id and event.subject_id == member.id
    assert event.data == {"pages": 3, "reason": "stopped"} and not event.client_visible
    page = browser.get("/clients/alpha/people").text
    assert "You stopped viewing as" in page and "You are viewing as" not in page
    assert "Invite people" in page  # staff's own page again
    # Staff read the log; the client whose pages were viewed never sees it.
    with app.app_context():
        verbs = {"view_as_started", "view_as_stopped"}
        for person, seen in ((manager, verbs), (member, set())):
            listed = db.session.scalars(access.visible_events(db.session.merge(person))).all()
            assert {e.verb for e in listed} & verbs == seen


def test_stopping_outside_the_mode_changes_nothing(app, world, new_browser):
    browser = signed_in(new_browser, world.people["maker_on_a"])
    response = browser.post("/view-as/stop", data={"next": "https://evil.test/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert events(app, "view_as_stopped") == []


def test_htmx_start_and_stop_are_told_where_to_go(app, world, new_browser):
    browser = signed_in(new_browser, world.people["maker_on_a"])
    member = world.people["client_admin_a"]
    htmx = {"HX-Request": "true"}
    started = browser.post(f"/clients/alpha/people/{member.id}/view-as", headers=htmx)
    assert started.status_code == 200 and started.headers["HX-Redirect"] == "/clients/alpha"
    refused = browser.post("/clients/alpha/projects/new", headers=htmx, data={"name": "x"})
    assert refused.status_code == 403 and "Read-only while viewing as" in refused.text
    stopped = browser.post("/view-as/stop", headers=htmx, data={"next": "/clients/alpha"})
    assert stopped.status_code == 200 and stopped.headers["HX-Redirect"] == "/clients/alpha"


def test_signing_out_ends_the_mode_and_signs_out_the_staff_member_only(app, world, new_browser):
    member, maker = world.people["client_member_a"], world.people["maker_on_a"]
    browser = signed_in(new_browser, maker)
    view_as(browser, member)
    client_browser = signed_in(new_browser, member)

    assert browser.post("/logout").status_code == 302

    (event,) = events(app, "view_as_stopped")
    assert event.actor_id == maker.id and event.data["reason"] == "signed_out"
    assert browser.get("/clients/alpha").status_code == 302  # to sign in
    with app.app_context():
        versions = {u.id: u.session_version for u in db.session.scalars(select(User))}
    assert versions[maker.id] == maker.session_version + 1
    assert versions[member.id] == member.session_version
    assert client_browser.get("/clients/alpha").status_code == 200


def test_the_mode_belongs_to_one_sign_in_and_ends_when_no_longer_allowed(app, world, new_browser):
    member, maker = world.people["client_member_a"], world.people["maker_on_a"]
    browser = signed_in(new_browser, maker)
    view_as(browser, member)
    assert "You are viewing as" in browser.get("/clients/alpha").text
    with browser.session_transaction() as session:  # another sign-in on the same browser
        session["_user_id"] = f"{maker.get_id()}:{int(time.time()) - 60}"
    assert "You are viewing as" not in browser.get("/clients/alpha").text

    view_as(browser, member)
    with app.app_context():
        db.session.execute(Assignment.__table__.delete().where(Assignment.user_id == maker.id))
        db.session.commit()
    # Off the team: the mode is gone, and client A with it.
    assert browser.get("/clients/alpha").status_code == 404


@pytest.mark.parametrize(
    ("viewer", "target", "status"),
    [
        ("maker_on_a", "admin", 404),
        ("maker_on_a", "account_manager_a", 404),
        ("admin", "maker_on_a", 404),
        ("maker_on_a", "client_b", 404),
        ("staff_not_on_a", "client_member_a", 404),
        ("client_admin_a", "client_member_a", 403),
        ("client_member_a", "client_member_a", 403),
        ("maker_on_a", "deactivated", 403),
    ],
)
def test_who_may_not_view_as_whom(app, world, new_browser, viewer, target, status):
    if target == "deactivated":
        with app.app_context():
            person = make_client_user(world.client_a, active=False)
    else:
        person = world.people[target]
    browser = signed_in(new_browser, world.people[viewer])
    response = browser.post(f"/clients/alpha/people/{person.id}/view-as")
    assert response.status_code == status
    assert events(app, "view_as_started") == []
    assert "You are viewing as" not in browser.get("/inbox").text


def test_the_people_page_offers_view_as_to_the_team_only(app, world, new_browser):
    member = world.people["client_member_a"]
    with app.app_context():
        gone = make_client_user(world.client_a, active=False, name="Gone Person")
    button = f'action="/clients/alpha/people/{member.id}/view-as"'
    team_page = signed_in(new_browser, world.people["maker_on_a"]).get("/clients/alpha/people")
    assert button in team_page.text
    assert f"/people/{gone.id}/view-as" not in team_page.text
    client_admin = signed_in(new_browser, world.people["client_admin_a"])
    assert "/view-as" not in client_admin.get("/clients/alpha/people").text
