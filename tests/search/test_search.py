"""Search finds what each person may see and nothing else, with escaped snippets and links
to the exact comment; bad input is never a 500; a page costs the same statements however
much matches."""

import re

import pytest

from portal.extensions import db
from portal.models import Thread, User
from portal.search.services import MAX_QUERY_LENGTH, PER_PAGE
from portal.threads import services as thread_services
from tests.drafts.helpers import draft_thread
from tests.factories import (
    make_comment,
    make_draft,
    make_project,
    make_thread,
    make_version,
    sign_in,
)
from tests.queries import describe, statements_for


def search(browser, words: str, **query) -> str:
    response = browser.get("/search", query_string={"q": words, **query})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def signed_in(new_browser, world, persona):
    browser = new_browser()
    sign_in(browser, world.person(persona))
    return browser


@pytest.fixture
def canaries(app, world):
    """One canary word per place it hides, on client A and client B: Beta's project, draft,
    thread and comment; Alpha's staff-only note and staff-only thread; Alpha's shared
    comment."""
    with app.app_context():
        people = {name: db.session.merge(person) for name, person in world.people.items()}
        beta_staff = people["staff_not_on_a"]
        project_b = make_project(world.client_b, name="Canaryproject launch")
        make_draft(project_b, beta_staff, title="Canarydraft poster")
        thread_b = make_thread(
            world.client_b, people["client_b"], project=project_b, title="Canarythread question"
        )
        make_comment(thread_b, people["client_b"], "The canarycomment copy is late.")
        thread_a = db.session.get(Thread, world.thread_a.id)
        make_comment(thread_a, people["maker_on_a"], "Canarynote: margin is thin.", internal=True)
        make_thread(
            world.client_a, people["maker_on_a"], internal=True, title="Canaryinternal plans"
        )
        make_comment(thread_a, people["client_member_a"], "Canaryshared words for everyone.")
    return {
        "beta": ("canaryproject", "canarydraft", "canarythread", "canarycomment"),
        "alpha staff-only": ("canarynote", "canaryinternal"),
        "alpha": ("canaryshared",),
    }


def found_words(page: str, words) -> set[str]:
    return {word for word in words if f"<mark>{word}" in page.lower()}


@pytest.mark.parametrize(
    "persona, finds, never",
    [
        ("client_member_a", ["alpha"], ["beta", "alpha staff-only"]),
        ("client_admin_a", ["alpha"], ["beta", "alpha staff-only"]),
        ("client_b", ["beta"], ["alpha", "alpha staff-only"]),
        ("staff_not_on_a", ["beta"], ["alpha", "alpha staff-only"]),
        ("maker_on_a", ["alpha", "alpha staff-only"], ["beta"]),
        ("account_manager_a", ["alpha", "alpha staff-only"], ["beta"]),
        ("admin", ["alpha", "alpha staff-only", "beta"], []),
    ],
)
def test_each_person_finds_exactly_what_they_may_see(
    new_browser, world, canaries, persona, finds, never
):
    browser = signed_in(new_browser, world, persona)
    for group in finds + never:
        for word in canaries[group]:
            page = search(browser, word)
            if group in finds:
                assert found_words(page, [word]) == {word}, (group, word)
            else:
                assert 'class="search-result"' not in page, (group, word)
                assert "Nothing you can see matches" in page


def test_a_client_finds_no_staff_only_note_even_with_its_exact_words(new_browser, world, canaries):
    client = signed_in(new_browser, world, "client_member_a")
    maker = signed_in(new_browser, world, "maker_on_a")
    words = "Canarynote: margin is thin."
    for words_of_the_note in (words, "margin thin", '"margin is thin"'):
        assert 'class="search-result"' not in search(client, words_of_the_note)
    assert "<mark>Canarynote</mark>" in search(maker, words)
    assert "Staff-only" in search(maker, words)


def test_results_show_escaped_snippets_and_link_to_the_exact_comment(app, new_browser, world):
    with app.app_context():
        thread = db.session.get(Thread, world.thread_a.id)
        author = db.session.get(User, world.people["client_member_a"].id)
        for n in range(60):  # more than a page of the thread: the comment is not among the newest
            make_comment(thread, author, f"Filler {n}.")
        comment = make_comment(
            thread, author, "Is the <script>x()</script> headline & tagline final?"
        )
        for n in range(60):
            make_comment(thread, author, f"Later filler {n}.")
        comment_id, thread_id = comment.id, thread.id
    browser = signed_in(new_browser, world, "client_member_a")
    page = search(browser, "headlines")  # stemmed: headline
    assert "<mark>headline</mark> &amp; tagline" in page
    # PostgreSQL's headline leaves tags out; SQLite's snippet keeps them, escaped.
    assert "<script>x()" not in page
    link = f"/clients/alpha/threads/{thread_id}?comment={comment_id}#comment-{comment_id}"
    assert f'href="{link}"' in page
    target = browser.get(link.split("#")[0]).get_data(as_text=True)
    assert f'id="comment-{comment_id}"' in target


def test_a_comment_on_a_draft_links_to_the_draft_page_at_that_comment(app, new_browser, world):
    with app.app_context():
        draft = make_draft(
            db.session.merge(world.project_a), db.session.merge(world.people["maker_on_a"]),
            title="Spring poster",
        )  # fmt: skip
        make_version(draft, db.session.merge(world.people["maker_on_a"]), body="Copy.")
        thread = draft_thread(app, draft)
    with app.app_context():
        thread = db.session.get(Thread, thread.id)
        comment = make_comment(
            thread, db.session.get(User, world.people["client_member_a"].id), "Swap the mascot."
        )
        comment_id, draft_id = comment.id, draft.id
    browser = signed_in(new_browser, world, "client_member_a")
    page = search(browser, "mascot")
    link = f"/clients/alpha/drafts/{draft_id}?comment={comment_id}#comment-{comment_id}"
    assert f'href="{link}"' in page
    assert f'id="comment-{comment_id}"' in browser.get(link.split("#")[0]).get_data(as_text=True)
    assert f'href="/clients/alpha/drafts/{draft_id}"' in search(browser, "poster")


def test_projects_drafts_and_threads_are_found_and_linked(new_browser, world, canaries):
    browser = signed_in(new_browser, world, "client_b")
    page = search(browser, "canaryproject")
    assert re.search(r'href="/clients/beta/projects/\d+"', page)
    page = search(browser, "canarythread")
    assert re.search(r'href="/clients/beta/threads/\d+"', page)
    assert "Thread" in page and "Project" in search(browser, "canaryproject")


def test_an_edited_comment_is_found_by_its_new_text_and_a_deleted_one_not_at_all(
    app, new_browser, world
):
    with app.app_context():
        thread = db.session.get(Thread, world.thread_a.id)
        author = db.session.get(User, world.people["client_member_a"].id)
        edited = make_comment(thread, author, "The first draft says aubergine.")
        deleted = make_comment(thread, author, "Drop the walrus.")
        thread_services.edit_comment(author, edited, "The second draft says courgette.", 1)
        thread_services.delete_comment(author, deleted)
        db.session.commit()
    for persona in ("client_member_a", "admin"):
        browser = signed_in(new_browser, world, persona)
        assert "<mark>" not in search(browser, "aubergine")
        assert "<mark>courgette</mark>" in search(browser, "courgette")
        assert "<mark>" not in search(browser, "walrus")


def test_results_come_a_page_at_a_time(app, new_browser, world):
    with app.app_context():
        thread = db.session.get(Thread, world.thread_a.id)
        author = db.session.get(User, world.people["client_member_a"].id)
        for n in range(PER_PAGE + 5):
            make_comment(thread, author, f"Pelican number {n}.")
    browser = signed_in(new_browser, world, "client_member_a")
    first = search(browser, "pelican")
    assert first.count('class="search-result"') == PER_PAGE
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = search(browser, "pelican", page=2)
    assert second.count('class="search-result"') == 5
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert "Nothing you can see matches" in search(browser, "pelican", page=3)


JUNK = [
    "",
    "   ",
    '"',
    '"unbalanced quote',
    'a "b" "',
    "NEAR(a b)",
    "a NEAR/2 b",
    "*",
    "pel*",
    "-",
    "-pelican",
    "--",
    "()",
    "(pelican",
    "pelican)",
    "col:pelican",
    "body:pelican",
    ":",
    "AND OR NOT",
    "or",
    "pelican OR",
    "^pelican",
    "pelican & | ! <->",
    "'",
    "\\",
    "a\x00b",
    "\u202epelican",
    "\U0001f4a5",
    "x" * MAX_QUERY_LENGTH,
    "%",
    "_",
]


@pytest.mark.parametrize("words", JUNK)
def test_fts_syntax_and_junk_never_get_a_500(app, new_browser, world, words):
    with app.app_context():
        thread = db.session.get(Thread, world.thread_a.id)
        make_comment(thread, db.session.get(User, world.people["admin"].id), "Pelican (col:x).")
    for persona in ("client_member_a", "admin"):
        browser = signed_in(new_browser, world, persona)
        response = browser.get("/search", query_string={"q": words})
        assert response.status_code == 200, (persona, words)


def test_a_search_too_long_is_refused_with_a_message(new_browser, world):
    browser = signed_in(new_browser, world, "client_member_a")
    for words in ("x" * (MAX_QUERY_LENGTH + 1), "pelican " * 50_000):
        response = browser.get("/search", query_string={"q": words})
        assert response.status_code == 422
        assert f"at most {MAX_QUERY_LENGTH} characters" in response.get_data(as_text=True)


def test_the_header_has_a_search_box_for_people_signed_in(client, new_browser, world):
    assert 'role="search"' not in client.get("/login").get_data(as_text=True)
    browser = signed_in(new_browser, world, "client_member_a")
    assert 'action="/search"' in browser.get("/inbox").get_data(as_text=True)


def add_matches(app, world, how_many: int) -> None:
    """``how_many`` matching comments, notes, threads, projects and drafts on client A."""
    with app.app_context():
        people = {name: db.session.merge(person) for name, person in world.people.items()}
        project = make_project(world.client_a, name="Budget heron")
        for n in range(how_many):
            thread = make_thread(
                world.client_a, people["client_member_a"], project=project,
                title=f"Heron thread {n}", body=f"Heron comment {n}",
            )  # fmt: skip
            make_comment(thread, people["maker_on_a"], f"Heron note {n}", internal=True)
            make_draft(project, people["maker_on_a"], title=f"Heron draft {n}")


@pytest.mark.parametrize("persona", ["client_member_a", "maker_on_a", "admin"])
def test_a_page_of_results_costs_the_same_statements_with_2_or_40_matches_of_each_kind(
    app, new_browser, world, persona
):
    browser = signed_in(new_browser, world, persona)
    add_matches(app, world, 2)
    few = statements_for(app, browser, "/search?q=heron")
    add_matches(app, world, 38)
    many = statements_for(app, browser, "/search?q=heron&page=2")
    assert len(few) == len(many), describe(many)
    # Signing in costs what it costs; the search itself is two statements.
    assert len([s for s in many if "matched" in s or "UNION ALL" in s]) == 2, describe(many)


def test_nothing_to_look_for_costs_no_search(app, new_browser, world):
    browser = signed_in(new_browser, world, "client_member_a")
    for words in ("", "-pelican", "***"):
        statements = statements_for(app, browser, "/search?" + f"q={words}")
        assert not [s for s in statements if "UNION ALL" in s], describe(statements)
