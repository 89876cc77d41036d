"""Measuring uploads and making their previews in a job, and the placeholders until it has run."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from portal.drafts import services
from portal.drafts.processing import process_version, sweep_unprocessed
from portal.drafts.storage import store_bytes, store_upload, stored_path
from portal.extensions import db
from portal.jobs import dispatch_ready
from portal.models import Comment, Draft, DraftKind, Version, utcnow
from tests.drafts.helpers import (
    comment_fields,
    draft_thread,
    elements,
    pdf_bytes,
    rows,
    text_of,
)
from tests.factories import make_draft, make_version, png_bytes
from tests.queries import describe, statements_for
from tests.review import browser_for

_colours = iter(range(1, 10_000))


def unique_png(width=40, height=30) -> bytes:
    """A PNG no other test stores (the upload folder is shared by the whole session)."""
    n = next(_colours)
    return png_bytes(width, height, (n % 256, n // 256 % 256, 77))


def new_version(app, account, kind=DraftKind.IMAGE, data: bytes | None = None, **draft_fields):
    """A draft of ``kind`` with one version stored like an upload, its job not yet run.

    Committed without dispatching what the commit queued: the test runs the job itself.
    """
    with app.app_context():
        draft = make_draft(account.project, account.designer, kind, **draft_fields)
        stored = store_upload(io.BytesIO(data or unique_png()), "artwork", kind)
        version = services.add_version(account.designer, draft, note="", stored=stored)
        db.session.commit()
        db.session.refresh(version)
        return version


def processed(app, version, times: int = 1) -> Version:
    """Run the job on ``version`` (``times`` times) and commit, as the worker does."""
    with app.app_context():
        for _ in range(times):
            process_version(version.id)
            db.session.commit()
    return reload(app, version)


def reload(app, version) -> Version:
    (fresh,) = rows(app, Version, Version.id == version.id)
    return fresh


def thumbnail_of(app, version) -> Image.Image:
    with app.app_context():
        return Image.open(io.BytesIO(stored_path(version.thumbnail_hash).read_bytes()))


def stored_files(app) -> set[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return {p for p in root.rglob("*") if p.is_file() and "tmp" not in p.parts}


def thumbnail_url(account, version) -> str:
    return account.version_url(version, "file") + "?thumbnail=1"


# --- the job -------------------------------------------------------------------------------


def test_an_image_is_measured_and_previewed_by_the_job_not_the_upload(app, account):
    version = new_version(app, account, data=unique_png(1200, 600))
    assert (version.width, version.height, version.thumbnail_hash) == (None, None, None)
    assert version.processed_at is None

    version = processed(app, version)

    assert (version.width, version.height) == (1200, 600)
    assert version.processed_at is not None and version.processing_error is None
    thumbnail = thumbnail_of(app, version)
    assert thumbnail.format in ("WEBP", "PNG")
    assert thumbnail.size == (480, 240)


def test_adding_a_file_version_queues_the_job_on_the_slow_queue(app, account, monkeypatch):
    queued = []
    monkeypatch.setattr(services, "enqueue", lambda *args, **kw: queued.append((args, kw)))

    version = new_version(app, account)
    with app.app_context():
        copy = make_draft(account.project, account.writer, DraftKind.COPY)
        make_version(copy, account.writer, body="Words.")

    assert queued == [((process_version, version.id), {"queue": "slow"})]


def test_an_upload_through_the_page_is_processed_once_the_request_is_done(app, account, designer):
    with app.app_context():
        draft = make_draft(account.project, account.designer, DraftKind.IMAGE)
    response = designer.post(
        account.draft_url(draft, "/versions/new"),
        data={"file": (io.BytesIO(unique_png(64, 48)), "art.png", "image/png"), "note": ""},
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    (version,) = rows(app, Version, Version.draft_id == draft.id)
    assert (version.width, version.height) == (64, 48)
    assert version.thumbnail_hash and version.processed_at


def test_running_the_job_twice_changes_nothing_the_second_time(app, account):
    version = processed(app, new_version(app, account, data=unique_png(600, 900)))
    files = stored_files(app)

    again = processed(app, version, times=2)

    assert (again.width, again.height, again.thumbnail_hash) == (600, 900, version.thumbnail_hash)
    assert again.processed_at == version.processed_at
    assert stored_files(app) == files


def test_a_small_image_is_not_enlarged(app, account):
    version = processed(app, new_version(app, account, data=unique_png(30, 20)))
    assert thumbnail_of(app, version).size == (30, 20)


def test_a_pdf_gets_its_page_count_and_no_thumbnail(app, account):
    version = new_version(app, account, DraftKind.PDF, data=pdf_bytes(pages=3))
    assert version.page_count is None

    version = processed(app, version)

    assert version.page_count == 3
    assert version.thumbnail_hash is None and version.processing_error is None
    assert version.processed_at is not None


def _gif_with_transparency() -> bytes:
    frames = [Image.new("P", (200, 100), 0), Image.new("P", (200, 100), 1)]
    for frame in frames:
        frame.putpalette([255, 0, 0, 0, 0, 255] + [0, 0, 0] * 254)
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], transparency=0)
    return buffer.getvalue()


def _jpeg_turned_by_exif() -> bytes:
    image = Image.new("RGB", (800, 400), (10, 120, 200))
    exif = image.getexif()
    exif[0x0112] = 6  # shown turned a quarter clockwise
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def _sixteen_bit_grey() -> bytes:
    buffer = io.BytesIO()
    Image.new("I;16", (100, 50), 32768).save(buffer, "PNG")
    return buffer.getvalue()


def _rgba_webp() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (960, 960), (0, 200, 0, 100)).save(buffer, "WEBP")
    return buffer.getvalue()


def _close(expected):
    """A check that an RGBA pixel matches ``expected`` (None: any value) give or take a little."""
    return lambda pixel: all(
        want is None or abs(got - want) <= 3 for got, want in zip(pixel, expected, strict=True)
    )


@pytest.mark.parametrize(
    ("make", "size", "thumbnail_size", "corner"),
    [
        pytest.param(
            _gif_with_transparency, (200, 100), (200, 100), (None, None, None, 0), id="gif"
        ),
        pytest.param(_jpeg_turned_by_exif, (400, 800), (240, 480), (10, 120, 200, 255), id="jpeg"),
        pytest.param(_sixteen_bit_grey, (100, 50), (100, 50), (128, 128, 128, 255), id="16-bit"),
        pytest.param(_rgba_webp, (960, 960), (480, 480), (0, 200, 0, 100), id="webp-alpha"),
    ],
)
def test_every_kind_of_image_gets_a_faithful_thumbnail(
    app, account, make, size, thumbnail_size, corner
):
    version = processed(app, new_version(app, account, data=make()))

    assert version.processing_error is None
    assert (version.width, version.height) == size  # as shown, EXIF turn included
    thumbnail = thumbnail_of(app, version)
    assert thumbnail.size == thumbnail_size
    assert 0x0112 not in thumbnail.getexif()  # turned already: browsers must not turn it again
    assert _close(corner)(thumbnail.convert("RGBA").getpixel((5, 5)))


@pytest.mark.parametrize(
    ("kind", "damaged", "message"),
    [
        (DraftKind.IMAGE, lambda data: data[: len(data) // 2], "The image couldn't be read"),
        (DraftKind.PDF, lambda data: b"%PDF-1.7\nnot really a pdf\n%%EOF\n", "The PDF couldn't"),
    ],
    ids=["image", "pdf"],
)
def test_a_damaged_stored_file_is_recorded_as_such_without_raising(
    app, account, kind, damaged, message
):
    data = unique_png(300, 200) if kind == DraftKind.IMAGE else pdf_bytes(pages=2)
    version = new_version(app, account, kind, data=data)
    with app.app_context():
        # Corrupt a copy stored under a hash of its own, so other tests' files stay whole.
        bad_hash = store_bytes(damaged(data) + b"\0" * next(_colours))
        db.session.get(Version, version.id).file_hash = bad_hash
        db.session.commit()

    version = processed(app, version, times=2)

    assert version.processing_error.startswith(message)
    assert version.processed_at is not None
    assert (version.width, version.height, version.page_count) == (None, None, None)
    assert version.thumbnail_hash is None


def test_a_missing_stored_file_fails_the_job_so_it_can_run_again(app, account):
    version = new_version(app, account)
    with app.app_context():
        stored_path(version.file_hash).unlink()
        with pytest.raises(FileNotFoundError):
            process_version(version.id)
    assert reload(app, version).processed_at is None


def test_versions_whose_job_was_lost_are_swept_up(app, account):
    lost = new_version(app, account)
    recent = new_version(app, account)
    with app.app_context():
        db.session.get(Version, lost.id).created_at = utcnow() - timedelta(hours=1)
        db.session.commit()

    with app.app_context():
        assert sweep_unprocessed() == 1
        db.session.commit()
        dispatch_ready()  # inline: no queue configured in the tests

    assert reload(app, lost).processed_at is not None
    assert reload(app, recent).processed_at is None


def test_a_job_for_a_version_since_deleted_does_nothing(app, account):
    gone = new_version(app, account, data=unique_png(200, 100))
    waiting = new_version(app, account)
    files = stored_files(app)
    with app.app_context():
        db.session.delete(db.session.get(Version, gone.id))
        db.session.commit()

        process_version(gone.id)
        db.session.commit()

    assert rows(app, Version, Version.id == gone.id) == []
    assert stored_files(app) == files, "the job stored a thumbnail for a version that is gone"
    assert reload(app, waiting).processed_at is None


# --- uploads keep only the fast checks ------------------------------------------------------


def test_a_pdf_without_its_end_marker_is_refused_at_upload(app, account, designer):
    with app.app_context():
        draft = make_draft(account.project, account.designer, DraftKind.PDF)
    whole = pdf_bytes(pages=2)
    cut = whole[: whole.rindex(b"%%EOF") - 2000]

    response = designer.post(
        account.draft_url(draft, "/versions/new"),
        data={"file": (io.BytesIO(cut), "cut.pdf", "application/pdf"), "note": ""},
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    assert "That PDF is damaged or incomplete." in text_of(response)
    assert rows(app, Version, Version.draft_id == draft.id) == []


# --- serving the thumbnail ------------------------------------------------------------------


def test_the_thumbnail_is_served_in_the_same_sandbox_as_the_file(app, account, reviewer):
    version = new_version(app, account, data=unique_png(900, 300))
    assert reviewer.get(thumbnail_url(account, version)).status_code == 404

    version = processed(app, version)
    response = reviewer.get(thumbnail_url(account, version))

    assert response.status_code == 200
    assert response.mimetype in ("image/webp", "image/png")
    assert Image.open(io.BytesIO(response.data)).size == (480, 160)
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert not response.headers.get("Content-Disposition", "").startswith("attachment")
    # Without the parameter, the file itself as before.
    assert reviewer.get(account.version_url(version, "file")).mimetype == "image/png"


def test_the_thumbnail_is_refused_to_another_client(app, account, new_browser):
    version = processed(app, new_version(app, account))
    outsider = browser_for(new_browser, account.other_reviewer)
    assert outsider.get(thumbnail_url(account, version)).status_code == 404


def test_a_pdf_has_no_thumbnail(app, account, reviewer):
    version = processed(app, new_version(app, account, DraftKind.PDF, data=pdf_bytes()))
    assert reviewer.get(thumbnail_url(account, version)).status_code == 404


# --- pages: placeholders until the job has run ----------------------------------------------


def _image_tags(html: str) -> list[dict]:
    return [attrs for tag, attrs in elements(html) if tag == "img"]


def test_the_draft_page_says_measuring_until_the_job_has_run(app, account, reviewer):
    version = new_version(app, account, data=unique_png(320, 200))
    draft_url = f"{account.base}/drafts/{version.draft_id}"

    before = text_of(reviewer.get(draft_url))
    assert "measuring…" in before and "320\N{MULTIPLICATION SIGN}200" not in before
    (image,) = _image_tags(before)
    assert "width" not in image and "height" not in image

    processed(app, version)
    after = text_of(reviewer.get(draft_url))
    assert "measuring…" not in after and "320\N{MULTIPLICATION SIGN}200" in after
    (image,) = _image_tags(after)
    assert (image["width"], image["height"]) == ("320", "200")


def test_the_draft_page_shows_a_pdfs_pages_once_counted(app, account, reviewer):
    version = new_version(app, account, DraftKind.PDF, data=pdf_bytes(pages=2))
    draft_url = f"{account.base}/drafts/{version.draft_id}"
    assert "measuring…" in text_of(reviewer.get(draft_url))
    processed(app, version)
    assert "2 pages" in text_of(reviewer.get(draft_url))


def test_a_page_comment_is_taken_on_trust_until_the_pages_are_counted(app, account, reviewer):
    version = new_version(app, account, DraftKind.PDF, data=pdf_bytes(pages=2))
    (draft,) = rows(app, Draft, Draft.id == version.draft_id)
    thread = draft_thread(app, draft)

    def comment_on(page):
        return reviewer.post(
            account.thread_url(thread, "/comments"), data=comment_fields("Here.", page=page)
        )

    assert comment_on("7").status_code == 302
    processed(app, version)
    refused = comment_on("7")
    assert refused.status_code == 422
    assert "This PDF has 2 pages." in text_of(refused)
    assert [c.anchor for c in rows(app, Comment, Comment.thread_id == thread.id)] == [
        {"type": "page", "page": 7}
    ]


def _project_url(account) -> str:
    return f"{account.base}/projects/{account.project.id}"


def test_the_project_page_shows_thumbnails_and_placeholders(app, account, reviewer):
    done = processed(app, new_version(app, account, title="Done poster"))
    waiting = new_version(app, account, title="Waiting poster")
    new_version(app, account, DraftKind.PDF, data=pdf_bytes(), title="A brochure")

    page = text_of(reviewer.get(_project_url(account)))

    sources = [attrs["src"] for attrs in _image_tags(page)]
    assert sources == [thumbnail_url(account, done).removeprefix("http://portal.test")]
    assert page.count("Preparing preview…") == 1
    assert f"/versions/{waiting.id}/file" not in page


def test_the_project_page_has_no_preview_column_without_images(app, account, reviewer):
    new_version(app, account, DraftKind.PDF, data=pdf_bytes())
    page = text_of(reviewer.get(_project_url(account)))
    assert "Preview" not in page and "Preparing preview…" not in page


def test_the_project_page_costs_the_same_queries_for_2_or_20_image_drafts(
    app, account, new_browser
):
    def queries_with(n):
        for i in range(n):
            version = new_version(app, account, title=f"Poster {n}-{i}")
            if i % 2:
                processed(app, version)
        browser = browser_for(new_browser, account.reviewer)
        return statements_for(app, browser, _project_url(account))

    few = queries_with(2)
    many = queries_with(18)  # 20 in all
    assert len(many) == len(few), describe(many)
