"""Marking up pictures: pins and areas on images and on a PDF's pages drawn by a job, the
pictures filling in when ready, comparing two versions, and the upload's progress."""

import io
import re
from itertools import count as numbers

import pypdfium2 as pdfium
import pytest
from PIL import Image

from portal.drafts import processing
from portal.drafts.processing import page_images
from portal.drafts.storage import stored_path
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Comment, Draft, DraftKind, Version
from portal.threads.anchors import validate_anchor
from tests.drafts.helpers import HTMX, comment_fields, draft_thread, elements, rows, text_of
from tests.drafts.test_processing import new_version, processed
from tests.factories import make_comment, make_version, png_bytes, sign_in
from tests.review import make_draft_in_review

_serials = numbers(1)


def unique_pdf(*sizes: tuple[float, float]) -> bytes:
    """A PDF with a page of each of ``sizes`` (in points), no other test's: its pages' images
    are kept by the PDF's hash for the whole session."""
    document = pdfium.PdfDocument.new()
    for width, height in sizes:
        document.new_page(width, height)
    buffer = io.BytesIO()
    document.save(buffer)
    # A comment after the end marker keeps the PDF valid and makes its bytes this test's own.
    return buffer.getvalue() + f"\n%{next(_serials)}\n%%EOF\n".encode()


def pdf_version(app, account, *sizes, run_job=True) -> Version:
    version = new_version(app, account, DraftKind.PDF, data=unique_pdf(*sizes))
    return processed(app, version) if run_job else version


def draft_url(account, version, suffix="") -> str:
    return f"{account.base}/drafts/{version.draft_id}{suffix}"


def page_url(account, version, page) -> str:
    return account.version_url(version, f"pages/{page}")


def thread_of(app, version):
    (draft,) = rows(app, Draft, Draft.id == version.draft_id)
    return draft_thread(app, draft)


def post(browser, account, thread, body, **fields):
    return browser.post(
        account.thread_url(thread, "/comments"), data=comment_fields(body, **fields)
    )


# --- anchors -------------------------------------------------------------------------------

IMAGE = Version(mime_type="image/png", file_hash="0" * 64)
PDF = Version(mime_type="application/pdf", file_hash="1" * 64, page_count=3)
COPY = Version(body="Fresh copy.")


@pytest.mark.parametrize(
    ("raw", "version", "kind", "expected"),
    [
        ({"type": "rect", "x": "0.1", "y": "0.2", "w": "0.3", "h": "0.4"}, IMAGE, "image",
         {"type": "rect", "x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4}),
        ({"type": "rect", "x": "0.5", "y": "0.5", "w": "0.50004", "h": "0.5"}, IMAGE, "image",
         {"type": "rect", "x": 0.5, "y": 0.5, "w": 0.5, "h": 0.5}),
        ({"type": "point", "page": "2", "x": "0.5", "y": "0.25"}, PDF, "pdf",
         {"type": "point", "page": 2, "x": 0.5, "y": 0.25}),
        ({"type": "rect", "page": 3, "x": 0, "y": 0, "w": 1, "h": 1}, PDF, "pdf",
         {"type": "rect", "page": 3, "x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0}),
        # The anchors made before areas and PDF pins stay valid.
        ({"type": "point", "x": "0.25", "y": "0.5"}, IMAGE, "image",
         {"type": "point", "x": 0.25, "y": 0.5}),
        ({"type": "page", "page": "3"}, PDF, "pdf", {"type": "page", "page": 3}),
    ],
    ids=["area", "area-rounded-to-the-edge", "pdf-pin", "pdf-area", "old-pin", "old-page"],
)  # fmt: skip
def test_an_anchor_on_a_picture_is_kept_as_fractions(raw, version, kind, expected):
    assert validate_anchor(raw, DraftKind(kind), version) == expected


@pytest.mark.parametrize(
    ("raw", "version", "kind", "message"),
    [
        ({"type": "rect", "x": "0.6", "y": "0.2", "w": "0.5", "h": "0.4"}, IMAGE, "image",
         "The area has to be on the image."),
        ({"type": "rect", "x": "0.1", "y": "0.2", "w": "0", "h": "0.4"}, IMAGE, "image",
         "Drag across the picture to mark an area."),
        ({"type": "rect", "x": "0.1", "y": "0.2", "w": "-0.1", "h": "0.4"}, IMAGE, "image",
         "The pin has to be on the image."),
        ({"type": "rect", "x": "0.1", "y": "0.2", "w": "wide", "h": "0.4"}, IMAGE, "image",
         "The pin's width position isn't a number."),
        ({"type": "point", "x": "0.5", "y": "0.5"}, PDF, "pdf", "Say which page the pin is on."),
        ({"type": "point", "page": "4", "x": "0.5", "y": "0.5"}, PDF, "pdf",
         "This PDF has 3 pages."),
        ({"type": "point", "page": "0", "x": "0.5", "y": "0.5"}, PDF, "pdf",
         "Pages are numbered from 1."),
        ({"type": "point", "page": "1", "x": "1.2", "y": "0.5"}, PDF, "pdf",
         "The pin has to be on the page."),
        ({"type": "rect", "x": "0", "y": "0", "w": "1", "h": "1"}, COPY, "copy",
         "That kind of pointer doesn't fit this draft."),
        ({"type": "circle", "x": "0", "y": "0"}, IMAGE, "image",
         "That kind of pointer doesn't fit this draft."),
    ],
    ids=["area-off-the-edge", "area-without-size", "negative-width", "width-not-a-number",
         "pdf-pin-without-page", "page-past-the-end", "page-zero", "pdf-pin-off-the-page",
         "area-on-copy", "unknown-type"],
)  # fmt: skip
def test_a_bad_anchor_on_a_picture_is_refused_saying_why(raw, version, kind, message):
    with pytest.raises(InvalidInput) as refused:
        validate_anchor(raw, DraftKind(kind), version)
    assert refused.value.message == message


def test_an_area_posted_with_the_form_is_kept_and_drawn_with_its_number(app, account, reviewer):
    with app.app_context():
        draft = make_draft_in_review(account, DraftKind.IMAGE, title="Poster")
    thread = draft_thread(app, draft)
    area = {"anchor_type": "rect", "x": "0.1", "y": "0.2", "w": "0.3", "h": "0.4"}
    assert post(reviewer, account, thread, "This whole block.", **area).status_code == 302
    (comment,) = rows(app, Comment, Comment.thread_id == thread.id)
    assert comment.anchor == {"type": "rect", "x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4}

    page = text_of(reviewer.get(account.draft_url(draft)))
    assert re.search(
        rf'<a href="#comment-{comment.id}" aria-label="Area 1, by Hannah Client">'
        r'<rect class="area" x="10.0%" y="20.0%" width="30.0%" height="40.0%"></rect>'
        r'<circle cx="10.0%" cy="20.0%" r="13"></circle><text [^>]*>1</text></a>',
        page,
    )
    assert "Area 1</span> on the image" in page


def test_a_bad_area_posted_with_the_form_is_a_422_and_saves_nothing(app, account, reviewer):
    with app.app_context():
        draft = make_draft_in_review(account, DraftKind.IMAGE)
    thread = draft_thread(app, draft)
    area = {"anchor_type": "rect", "x": "0.9", "y": "0.2", "w": "0.3", "h": "0.4"}
    response = post(reviewer, account, thread, "Off the edge.", **area)
    assert response.status_code == 422
    assert "The area has to be on the image." in text_of(response)
    assert rows(app, Comment, Comment.thread_id == thread.id) == []


# --- a PDF's pages, drawn by the job ---------------------------------------------------------


def test_the_job_draws_each_page_bounded_and_keeps_them_by_the_pdfs_hash(app, account):
    version = pdf_version(app, account, (612, 792), (5000, 3000), (200, 100))
    assert version.page_count == 3 and version.processing_error is None
    with app.app_context():
        drawn = page_images(version.file_hash)
        sizes = [Image.open(stored_path(page.image_hash)).size for page in drawn.pages]
    assert drawn.total == 3 and drawn.error is None
    assert [(page.width, page.height) for page in drawn.pages] == sizes
    # A letter page fits 1,600 px high; a huge one is scaled down; a small one up at most 4x.
    assert sizes == [(1237, 1600), (1600, 960), (800, 400)]


def test_a_pdf_past_the_page_limit_has_its_first_pages_drawn_and_says_so(
    app, account, reviewer, monkeypatch
):
    monkeypatch.setattr(processing, "MAX_PAGES", 2)
    version = pdf_version(app, account, *[(100, 100)] * 3)
    assert version.page_count == 3
    page = text_of(reviewer.get(draft_url(account, version)))
    assert page.count(f"/versions/{version.id}/pages/") == 2
    assert "Only the first 2 pages are shown as images." in page
    assert reviewer.get(page_url(account, version, 3)).status_code == 404


def test_a_pdf_that_cant_be_drawn_gets_a_message_not_an_error(app, account, reviewer):
    # Its header and end marker pass the upload's checks; there is nothing in between.
    version = new_version(app, account, DraftKind.PDF, data=b"%PDF-1.7\nno objects\n%%EOF\n")
    version = processed(app, version)
    assert version.processing_error == "The PDF couldn't be read to count its pages."
    response = reviewer.get(draft_url(account, version))
    assert response.status_code == 200
    assert "The PDF couldn&#39;t be read to count its pages. Download it" in text_of(response)


def test_a_page_image_is_served_like_a_thumbnail_only_to_who_sees_the_draft(
    app, account, reviewer, new_browser
):
    version = pdf_version(app, account, (300, 200), (300, 200))
    response = reviewer.get(page_url(account, version, 2))
    assert response.status_code == 200
    assert response.mimetype in ("image/webp", "image/png")
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert reviewer.get(page_url(account, version, 3)).status_code == 404
    assert reviewer.get(page_url(account, version, 0)).status_code == 404

    other = new_browser()
    sign_in(other, account.other_reviewer)
    assert other.get(page_url(account, version, 1)).status_code == 404
    southwind = f"/clients/{account.other_client.slug}/versions/{version.id}/pages/1"
    assert other.get(southwind).status_code == 404


def test_page_images_are_404_until_the_job_has_drawn_them(app, account, reviewer):
    version = pdf_version(app, account, (300, 200), run_job=False)
    assert reviewer.get(page_url(account, version, 1)).status_code == 404


# --- the stage: a placeholder that polls, then the pictures ---------------------------------


def stage_url(account, version) -> str:
    return account.version_url(version, "stage")


def test_the_pages_fill_in_by_polling_once_the_job_has_run(app, account, reviewer):
    version = pdf_version(app, account, (300, 200), (300, 200), run_job=False)
    waiting = text_of(reviewer.get(draft_url(account, version)))
    assert "Drawing the pages…" in waiting
    (poller,) = [a for tag, a in elements(waiting) if a.get("id") == f"stage-{version.id}"]
    assert poller["hx-get"] == stage_url(account, version)
    assert poller["hx-trigger"] == "every 2s" and poller["hx-swap"] == "outerHTML"
    fragment = text_of(reviewer.get(stage_url(account, version), headers=HTMX))
    assert "<html" not in fragment and 'hx-trigger="every 2s"' in fragment

    processed(app, version)
    fragment = text_of(reviewer.get(stage_url(account, version), headers=HTMX))
    assert "hx-trigger" not in fragment  # polling stops
    images = [a for tag, a in elements(fragment) if tag == "img"]
    assert [a["src"] for a in images] == [page_url(account, version, n) for n in (1, 2)]
    assert all(a["width"] == "1200" and a["height"] == "800" for a in images)  # 4x at most
    pages = [a["data-page"] for tag, a in elements(fragment) if "data-page" in a]
    assert pages == ["1", "2"]


def test_an_image_stage_polls_until_measured_and_is_keyboard_pinnable(app, account, reviewer):
    version = new_version(app, account, data=png_bytes(64, 48, (1, 2, 3)))
    assert 'hx-trigger="every 2s"' in text_of(reviewer.get(draft_url(account, version)))
    processed(app, version)
    page = text_of(reviewer.get(draft_url(account, version)))
    assert 'hx-trigger="every 2s"' not in page
    (stage,) = [a for tag, a in elements(page) if "data-image-stage" in a]
    assert stage["tabindex"] == "0" and stage["aria-describedby"] == f"pin-help-{version.id}"
    assert "steer the crosshair with the arrow keys" in page


def test_the_stage_of_another_clients_version_is_404(app, account, new_browser):
    version = pdf_version(app, account, (300, 200))
    other = new_browser()
    sign_in(other, account.other_reviewer)
    assert other.get(stage_url(account, version)).status_code == 404


def test_a_pin_on_a_pdf_page_is_drawn_on_that_page(app, account, reviewer):
    version = pdf_version(app, account, (300, 200), (300, 200), (300, 200))
    thread = thread_of(app, version)
    pin = {"anchor_type": "point", "x": "0.5", "y": "0.25", "page": "2"}
    assert post(reviewer, account, thread, "Typo here.", **pin).status_code == 302
    (comment,) = rows(app, Comment, Comment.thread_id == thread.id)
    assert comment.anchor == {"type": "point", "page": 2, "x": 0.5, "y": 0.25}

    page = text_of(reviewer.get(draft_url(account, version)))
    figures = re.findall(r'<figure class="image-stage".*?</figure>', page, flags=re.S)
    assert len(figures) == 3
    assert "Pin 1, by Hannah Client" in figures[1]
    assert "Pin 1" not in figures[0] + figures[2]
    assert "Pin 1</span> on page 2" in page

    missing_page = {"anchor_type": "point", "x": "0.5", "y": "0.25", "page": ""}
    refused = post(reviewer, account, thread, "Where?", **missing_page)
    assert refused.status_code == 422
    assert "Say which page the pin is on." in text_of(refused)


# --- comparing versions ----------------------------------------------------------------------


def compare_url(account, draft_id, old=1, new=2) -> str:
    return f"{account.base}/drafts/{draft_id}/compare?from={old}&to={new}"


def test_two_pdf_versions_compare_page_by_page(app, account, reviewer):
    first = pdf_version(app, account, (300, 200), (300, 200))
    with app.app_context():
        draft = db.session.get(Draft, first.draft_id)
        make_version(draft, account.designer, image=unique_pdf((300, 200), (300, 200), (300, 200)))
        second = db.session.scalar(
            db.select(Version).where(Version.draft_id == draft.id, Version.number == 2)
        )
        make_comment(
            draft_thread(app, draft), account.reviewer, "Page 3 is new.",
            anchor={"type": "point", "page": 3, "x": 0.5, "y": 0.5},
        )  # fmt: skip
    page = text_of(reviewer.get(compare_url(account, first.draft_id)))
    rows_shown = re.findall(r'<li class="side-by-side">(.*?)</li>', page, flags=re.S)
    assert len(rows_shown) == 3
    for number, shown in enumerate(rows_shown, start=1):
        assert page_url(account, second, number) in shown
        assert (page_url(account, first, number) in shown) == (number < 3)
    assert "Version 1 has no page 3." in rows_shown[2]
    assert "Pin 1, by Hannah Client" in rows_shown[2]


def test_two_image_versions_are_laid_over_each_other_with_each_ones_pins(app, account, reviewer):
    with app.app_context():
        draft = make_draft_in_review(account, DraftKind.IMAGE, image=png_bytes(60, 40, (9, 9, 9)))
        thread = draft_thread(app, draft)
        make_comment(thread, account.reviewer, "Old.", anchor={"type": "point", "x": 0.2, "y": 0.2})
        make_version(draft, account.designer, image=png_bytes(60, 40, (8, 8, 8)))
        make_comment(
            thread, account.reviewer, "New.",
            anchor={"type": "rect", "x": 0.5, "y": 0.5, "w": 0.2, "h": 0.2},
        )  # fmt: skip
    page = text_of(reviewer.get(compare_url(account, draft.id)))
    tags = elements(page)
    (overlay,) = [a for tag, a in tags if "data-overlay-compare" in a]
    assert "side-by-side" in overlay["class"]  # without JavaScript: next to each other
    (range_input,) = [a for tag, a in tags if "data-overlay-range" in a]
    assert range_input["type"] == "range" and range_input["id"] == "overlay-position"
    layers = re.findall(r'<div class="overlay-layer".*?</figure>', page, flags=re.S)
    assert len(layers) == 2 and "data-overlay-top" in layers[1]
    assert "Pin 1, by Hannah Client" in layers[0] and "Area" not in layers[0]
    assert "Area 1, by Hannah Client" in layers[1] and "Pin 1" not in layers[1]
    assert "tabindex" not in page.split("data-overlay-compare", 1)[1]  # nothing to pin here


# --- uploading -------------------------------------------------------------------------------


def test_an_upload_sent_by_htmx_is_told_where_to_go(app, account, designer):
    with app.app_context():
        draft = make_draft_in_review(account, DraftKind.IMAGE)
    url = account.draft_url(draft, "/versions/new")
    form = text_of(designer.get(url))
    (tag,) = [a for tag, a in elements(form) if "data-upload-progress" in a]
    assert tag["hx-post"] == url and tag["hx-select"] == "main"
    assert '<progress id="upload-progress"' in form

    picture = (io.BytesIO(png_bytes(30, 20, (5, 6, 7))), "v2.png")
    response = designer.post(url, data={"file": picture, "note": "Bigger."}, headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == account.draft_url(draft)

    refused = designer.post(url, data={"note": "No file."}, headers=HTMX)
    assert refused.status_code == 422 and "Choose a file to upload." in text_of(refused)


def test_a_thumbnail_on_the_project_page_fills_in_by_polling(app, account, reviewer, new_browser):
    version = new_version(app, account, data=png_bytes(90, 60, (3, 1, 4)), title="Fresh poster")
    fragment_url = account.version_url(version, "thumbnail")
    project = text_of(reviewer.get(f"{account.base}/projects/{account.project.id}"))
    (poller,) = [a for tag, a in elements(project) if a.get("hx-get") == fragment_url]
    assert poller["hx-trigger"] == "every 2s" and poller["hx-swap"] == "outerHTML"
    assert 'hx-trigger="every 2s"' in text_of(reviewer.get(fragment_url, headers=HTMX))

    processed(app, version)
    fragment = text_of(reviewer.get(fragment_url, headers=HTMX))
    assert "hx-trigger" not in fragment
    (image,) = [a for tag, a in elements(fragment) if tag == "img"]
    assert image["src"] == account.version_url(version, "file") + "?thumbnail=1"

    other = new_browser()
    sign_in(other, account.other_reviewer)
    assert other.get(fragment_url).status_code == 404
