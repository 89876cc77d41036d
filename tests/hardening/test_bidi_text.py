"""Text shown as a name, a title, a file name or a link carries no bidi controls (issue 12,
defect 11): "invoice\u202efdp.exe" would show as "invoiceexe.pdf". Typed names and titles lose
them as they arrive, stored ones where they are shown (pages and e-mail), and a comment's
links lose them when it is rendered; the prose around keeps its direction marks."""

import re
from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import Comment, Draft, DraftKind, EmailMessage, User, Version, utcnow
from portal.notifications.services import send_notifications
from portal.threads.markdown import render_markdown
from tests.drafts.helpers import comment_fields, draft_thread, rows, text_of
from tests.factories import make_comment, make_thread
from tests.review import make_draft_in_review

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
DISGUISED = f"invoice{RLO}fdp.exe"
SHOWN = "invoicefdp.exe"


def assert_no_bidi_controls(text: str) -> None:
    found = BIDI_CONTROLS.findall(text)
    assert not found, f"bidi controls shown: {found!r}"


def rename(user_id: int, name: str) -> None:
    db.session.get(User, user_id).name = name


def test_a_draft_title_typed_with_an_override_is_saved_without_it(app, account, writer):
    response = writer.post(
        f"{account.base}/projects/{account.project.id}/drafts/new",
        data={"title": DISGUISED, "kind": "copy", "maker_id": account.writer.id,
              "approval_rule": "any"},
    )  # fmt: skip
    assert response.status_code == 302
    (draft,) = rows(app, Draft)
    assert draft.title == SHOWN


def test_a_draft_title_typed_over_lines_is_saved_on_one(app, account, writer):
    """A title that broke onto a new line in an e-mail's text could pass for our own line."""
    response = writer.post(
        f"{account.base}/projects/{account.project.id}/drafts/new",
        data={"title": "Spring\r\n\r\nSee the draft: http://evil.test\t", "kind": "copy",
              "maker_id": account.writer.id, "approval_rule": "any"},
    )  # fmt: skip
    assert response.status_code == 302
    (draft,) = rows(app, Draft)
    assert draft.title == "Spring See the draft: http://evil.test"


def test_a_project_title_typed_with_an_override_is_saved_without_it(app, account, writer):
    response = writer.post(
        f"{account.base}/projects/{account.project.id}/edit",
        data={"name": f"Spring{RLO} launch", "brief": "", "goals": ""},
    )
    assert response.status_code == 302
    assert "Spring launch" in text_of(writer.get(f"{account.base}/projects/{account.project.id}"))


def test_stored_titles_file_names_and_names_show_without_controls(app, account, writer, reviewer):
    with app.app_context():
        rename(account.reviewer.id, f"Hannah {RLO}reviewer")
        draft = make_draft_in_review(account, DraftKind.IMAGE, title=DISGUISED)
        version = db.session.scalar(select(Version).where(Version.draft_id == draft.id))
        version.original_name = f"artwork{RLO}gnp.exe"
        db.session.commit()
        make_comment(draft_thread(app, draft), db.session.get(User, account.reviewer.id), "Ok.")

    for browser in (writer, reviewer):
        page = text_of(browser.get(account.draft_url(draft)))
        assert SHOWN in page
        assert "artworkgnp.exe" in page
        assert "Hannah reviewer" in page
        assert_no_bidi_controls(page)
        listing = text_of(browser.get(f"{account.base}/projects/{account.project.id}"))
        assert SHOWN in listing
        assert_no_bidi_controls(listing)


def test_an_email_names_people_and_titles_without_controls(app, account):
    with app.app_context():
        rename(account.reviewer.id, f"Hannah {RLO}reviewer")
        reviewer = db.session.get(User, account.reviewer.id)
        thread = make_thread(account.client, reviewer, title=DISGUISED)
        make_comment(thread, reviewer, "@dana can you look at the invoice?")
        send_notifications(account.writer.id, now=utcnow() + timedelta(hours=1))
        db.session.commit()
        (message,) = db.session.scalars(
            select(EmailMessage).where(EmailMessage.to_user_id == account.writer.id)
        )
        assert message.subject == f"Hannah reviewer mentioned you in “{SHOWN}”"
        for text in (message.subject, message.text_body, message.html_body):
            assert_no_bidi_controls(text)


def test_a_comment_link_loses_its_bidi_controls_in_address_title_and_text(
    app, account, thread, reviewer
):
    body = (
        f"See [{DISGUISED}](https://files.example/{RLO}invoice\u200f.pdf 'the{RLO} invoice') "
        f"and <https://files.example/a{RLO}b>. مرحبا\u200f! {RLO}reversed"
    )
    posted = reviewer.post(account.thread_url(thread, "/comments"), data=comment_fields(body))
    assert posted.status_code == 302
    (comment,) = rows(app, Comment, Comment.body == body)
    html = comment.body_html
    assert 'href="https://files.example/invoice.pdf" title="the invoice"' in html
    assert f">{SHOWN}</a>" in html
    assert '<a href="https://files.example/ab" rel="nofollow noopener noreferrer">' in html
    assert ">https://files.example/ab</a>" in html
    # Prose keeps the right-to-left mark an Arabic writer put there; the override goes.
    assert "مرحبا\u200f!" in html and RLO not in html

    page = text_of(reviewer.get(account.thread_url(thread)))
    assert SHOWN in page and RLO not in page


def test_a_reference_link_and_code_in_link_text_lose_them_too():
    html = render_markdown(f"[`{DISGUISED}`][bill]\n\n[bill]: https://files.example/{RLO}x")
    assert_no_bidi_controls(html)
    assert (
        f'<a href="https://files.example/x" rel="nofollow noopener noreferrer"><code>{SHOWN}'
        in html
    )
