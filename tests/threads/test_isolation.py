"""What client users must never see: staff-only notes, internal threads, other clients' work."""

import re
from dataclasses import dataclass

import pytest

from portal.drafts import services as draft_services
from portal.models import Comment, DraftKind
from tests.drafts.helpers import comment_fields, rows, text_of
from tests.factories import make_comment, make_draft, make_thread, make_version
from tests.review import browser_for

COPY = "Roasted in small batches in Leeds. Every bag names the farm it came from."
SECRET = "SECRET"  # every staff-only text below carries it


@dataclass
class Secrets:
    draft: object
    version: object
    draft_thread: object
    project_thread: object
    internal_thread: object
    client_comment: object
    draft_note: object
    passage_note: object
    project_note: object
    internal_comment: object


@pytest.fixture
def secrets(app, account):
    """Client-visible threads with staff-only notes in them, and a staff-only thread."""
    with app.app_context():
        draft = make_draft(account.project, account.writer, title="Intro copy")
        version = make_version(draft, account.writer, body=COPY)
        draft_thread = draft_services.draft_thread(draft)
        client_comment = make_comment(draft_thread, account.reviewer, "Is Leeds right?")
        draft_note = make_comment(
            draft_thread, account.writer, "SECRET-DRAFT-NOTE: the roaster is late.", internal=True
        )
        passage_note = make_comment(
            draft_thread,
            account.writer,
            "SECRET-PASSAGE-NOTE",
            internal=True,
            anchor={"type": "passage", "start": 0, "end": 7},
        )
        project_thread = make_thread(
            account.client,
            account.reviewer,
            project=account.project,
            title="Launch date",
            body="When do we launch?",
        )
        project_note = make_comment(
            project_thread,
            account.manager,
            "SECRET-PROJECT-NOTE: @mateo we are behind.",
            internal=True,
        )
        internal_thread = make_thread(
            account.client,
            account.manager,
            project=account.project,
            internal=True,
            title="SECRET-THREAD-TITLE pricing",
            body="SECRET-INTERNAL-BODY margins are thin.",
        )
        internal_comment = rows(app, Comment, Comment.thread_id == internal_thread.id)[0]
    return Secrets(
        draft=draft,
        version=version,
        draft_thread=draft_thread,
        project_thread=project_thread,
        internal_thread=internal_thread,
        client_comment=client_comment,
        draft_note=draft_note,
        passage_note=passage_note,
        project_note=project_note,
        internal_comment=internal_comment,
    )


def assert_no_secret(response):
    assert response.status_code in (200, 204), response.status_code
    assert SECRET not in text_of(response)


# --- staff-only notes and threads ----------------------------------------------------------


def test_staff_see_the_notes_the_client_does_not(account, secrets, writer):
    html = text_of(writer.get(account.draft_url(secrets.draft)))
    assert "SECRET-DRAFT-NOTE" in html and "SECRET-PASSAGE-NOTE" in html
    assert "Staff-only note" in html


def test_the_draft_page_hides_staff_only_notes_from_the_client(account, secrets, reviewer):
    response = reviewer.get(account.draft_url(secrets.draft))
    assert_no_secret(response)
    assert "Is Leeds right?" in text_of(response)
    assert f'data-comment="{secrets.passage_note.id}"' not in text_of(response)


def test_a_thread_page_hides_staff_only_notes_from_the_client(account, secrets, reviewer):
    response = reviewer.get(account.thread_url(secrets.project_thread))
    assert_no_secret(response)
    assert "When do we launch?" in text_of(response)


@pytest.mark.parametrize("which", ["draft_thread", "project_thread"])
def test_polling_and_older_comments_hide_staff_only_notes_from_the_client(
    account, secrets, reviewer, which
):
    thread = getattr(secrets, which)
    arrived = reviewer.get(account.thread_url(thread, "/comments?after=0"))
    assert_no_secret(arrived)
    assert arrived.status_code == 200
    older = reviewer.get(account.thread_url(thread, "/comments/older?before=99999999"))
    assert_no_secret(older)


def test_polling_after_the_last_visible_comment_skips_a_new_staff_only_note(
    app, account, secrets, reviewer
):
    with app.app_context():
        make_comment(secrets.project_thread, account.writer, "SECRET-LATE-NOTE", internal=True)
    # The client's last visible comment is the opening one; only staff-only notes follow.
    last_seen = rows(app, Comment, Comment.thread_id == secrets.project_thread.id)[0].id
    response = reviewer.get(
        account.thread_url(secrets.project_thread, f"/comments?after={last_seen}")
    )
    assert response.status_code == 204
    assert text_of(response) == ""


def test_the_clients_inbox_and_home_never_mention_staff_only_work(app, account, secrets, reviewer):
    with app.app_context():
        # The manager also answers in the open, so the client has something unread.
        make_comment(secrets.project_thread, account.manager, "Early April, @hannah.")
        make_comment(secrets.project_thread, account.writer, "SECRET-AFTER", internal=True)
    inbox = reviewer.get("/inbox")
    assert_no_secret(inbox)
    # Only the manager's open answer is unread: the notes after it (and the notes in the
    # draft's thread) are not counted.
    unread = re.search(
        r'<section aria-labelledby="unread-title".*?</section>', text_of(inbox), flags=re.S
    ).group(0)
    assert re.findall(r"<li>.*?</li>", unread, flags=re.S) == [
        f'<li><a href="/clients/northwind/threads/{secrets.project_thread.id}">Launch date</a>'
        ' <span class="muted">· 1 new</span></li>'
    ]
    assert_no_secret(reviewer.get(account.base))
    assert_no_secret(reviewer.get(f"{account.base}/projects/{account.project.id}"))


def test_an_internal_thread_does_not_exist_for_the_client(account, secrets, reviewer):
    thread = secrets.internal_thread
    assert reviewer.get(account.thread_url(thread)).status_code == 404
    assert reviewer.get(account.thread_url(thread, "/comments?after=0")).status_code == 404
    assert reviewer.get(account.thread_url(thread, "/comments/older?before=999")).status_code == 404
    posted = reviewer.post(account.thread_url(thread, "/comments"), data=comment_fields("Hi"))
    assert posted.status_code == 404
    assert reviewer.post(account.thread_url(thread, "/read"), data={"up_to": 1}).status_code == 404


@pytest.mark.parametrize("note", ["draft_note", "project_note", "internal_comment"])
@pytest.mark.parametrize(
    ("method", "action"),
    [
        ("GET", "edit"),
        ("POST", "edit"),
        ("GET", "promote"),
        ("POST", "promote"),
        ("POST", "resolve"),
        ("POST", "reopen"),
        ("POST", "delete"),
    ],
)
def test_a_staff_only_note_answers_404_to_the_client(
    app, account, secrets, reviewer, note, method, action
):
    comment = getattr(secrets, note)
    response = reviewer.open(
        account.comment_url(comment, action), method=method, data={"body": "x", "revision": "1"}
    )
    assert response.status_code == 404
    assert SECRET not in text_of(response)
    (stored,) = rows(app, Comment, Comment.id == comment.id)
    assert stored.internal and stored.deleted_at is None and stored.resolved_at is None


def test_promoting_a_note_previews_it_then_shares_it_with_the_client(
    app, account, secrets, reviewer, new_browser
):
    manager = browser_for(new_browser, account.manager)
    note = secrets.project_note
    preview = manager.get(account.comment_url(note, "promote"))
    html = text_of(preview)
    assert preview.status_code == 200
    assert "Share this note with Northwind?" in html
    assert "SECRET-PROJECT-NOTE" in html
    assert rows(app, Comment, Comment.id == note.id)[0].internal  # a GET changes nothing

    assert manager.post(account.comment_url(note, "promote")).status_code == 302
    (shared,) = rows(app, Comment, Comment.id == note.id)
    assert not shared.internal and shared.promoted_at is not None
    again = manager.post(account.comment_url(note, "promote"))
    assert again.status_code == 422
    assert "Only a staff-only note" in text_of(again)

    page = text_of(reviewer.get(account.thread_url(secrets.project_thread)))
    assert "SECRET-PROJECT-NOTE" in page
    assert "Shared with the client" in page
    assert "SECRET-DRAFT-NOTE" not in page


def test_a_note_in_an_internal_thread_cannot_be_promoted(app, account, secrets, new_browser):
    manager = browser_for(new_browser, account.manager)
    comment = secrets.internal_comment
    assert manager.get(account.comment_url(comment, "promote")).status_code == 404
    manager.post(account.comment_url(comment, "promote"))
    assert rows(app, Comment, Comment.id == comment.id)[0].internal


# --- another organisation ------------------------------------------------------------------


def urls_of(account, secrets) -> list[tuple[str, str]]:
    """Every URL that reaches a draft, version, thread or comment of Northwind."""
    draft, version = secrets.draft, secrets.version
    urls = [
        ("GET", account.draft_url(draft)),
        ("GET", account.draft_url(draft, "?v=1")),
        ("GET", account.draft_url(draft, "/versions/new")),
        ("POST", account.draft_url(draft, "/versions/new")),
        ("GET", account.draft_url(draft, "/compare?from=1&to=1")),
        ("POST", account.draft_url(draft, "/decision")),
        ("GET", account.version_url(version, "file")),
        ("GET", account.version_url(version, "download")),
        ("GET", f"{account.base}/projects/{account.project.id}/threads/new"),
        ("POST", f"{account.base}/projects/{account.project.id}/threads/new"),
        ("GET", f"{account.base}/conversations/new"),
    ]
    for thread in (secrets.draft_thread, secrets.project_thread, secrets.internal_thread):
        urls += [
            ("GET", account.thread_url(thread)),
            ("POST", account.thread_url(thread, "/comments")),
            ("GET", account.thread_url(thread, "/comments?after=0")),
            ("GET", account.thread_url(thread, "/comments/older?before=99999")),
            ("POST", account.thread_url(thread, "/read")),
        ]
    for comment in (secrets.client_comment, secrets.draft_note, secrets.project_note):
        for method, action in (
            ("GET", "edit"),
            ("POST", "edit"),
            ("POST", "delete"),
            ("POST", "resolve"),
            ("POST", "reopen"),
            ("GET", "promote"),
            ("POST", "promote"),
        ):
            urls.append((method, account.comment_url(comment, action)))
    return urls


@pytest.mark.parametrize("slug", ["northwind", "southwind"], ids=["their-slug", "own-slug"])
def test_a_client_of_another_organisation_gets_404_everywhere(
    app, account, secrets, new_browser, slug
):
    """Sid of Southwind tries Northwind's URLs as they are, and with Southwind's slug."""
    outsider = browser_for(new_browser, account.other_reviewer)
    before = rows(app, Comment)
    answers = {}
    for method, url in urls_of(account, secrets):
        url = url.replace("/clients/northwind/", f"/clients/{slug}/")
        if url == f"/clients/{slug}/conversations/new" and slug == "southwind":
            continue  # Sid's own conversation form: it names nothing of Northwind
        response = outsider.open(
            url,
            method=method,
            data={**comment_fields("Hello?"), "up_to": "1", "verdict": "approved", "title": "Hi"},
        )
        answers[(method, url)] = response.status_code
        assert "Is Leeds right?" not in text_of(response)
    assert {key: code for key, code in answers.items() if code != 404} == {}
    assert [(c.id, c.body, c.revision) for c in rows(app, Comment)] == [
        (c.id, c.body, c.revision) for c in before
    ]


def test_staff_of_another_client_get_404_too(app, account, secrets, new_browser):
    outsider = browser_for(new_browser, account.other_staff)
    for method, url in urls_of(account, secrets):
        assert outsider.open(url, method=method).status_code == 404, (method, url)


def test_an_image_of_another_client_is_not_served(app, account, new_browser):
    with app.app_context():
        draft = make_draft(account.project, account.designer, DraftKind.IMAGE)
        version = make_version(draft, account.designer)
    outsider = browser_for(new_browser, account.other_reviewer)
    for what in ("file", "download"):
        assert outsider.get(account.version_url(version, what)).status_code == 404
        own_slug = f"/clients/southwind/versions/{version.id}/{what}"
        assert outsider.get(own_slug).status_code == 404
