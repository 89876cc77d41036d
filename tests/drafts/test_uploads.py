"""Uploading files for image, PDF and file drafts, and serving them back safely."""

import io
from pathlib import Path

import pytest

from portal.drafts.storage import stored_path
from portal.models import DraftKind, Version
from tests.drafts.helpers import pdf_bytes, rows, text_of
from tests.factories import make_draft, png_bytes

SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)


@pytest.fixture
def upload_root(app) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def stored_files(root: Path) -> set[Path]:
    """Every file kept in the upload folder (outside its temporary folder)."""
    files = {p.relative_to(root) for p in root.rglob("*") if p.is_file()}
    return {p for p in files if p.parts[0] != "tmp"}


def temporary_files(root: Path) -> list[Path]:
    tmp = root / "tmp"
    return list(tmp.iterdir()) if tmp.exists() else []


@pytest.fixture
def make_kind(app, account):
    def make(kind):
        with app.app_context():
            return make_draft(account.project, account.designer, kind, title=f"A {kind} draft")

    return make


def upload(browser, account, draft, data: bytes, name: str, content_type: str):
    return browser.post(
        account.draft_url(draft, "/versions/new"),
        data={"file": (io.BytesIO(data), name, content_type), "note": "Here it is."},
        content_type="multipart/form-data",
    )


def versions(app, draft) -> list:
    return rows(app, Version, Version.draft_id == draft.id)


# --- refused uploads -----------------------------------------------------------------------


def test_an_upload_over_the_size_limit_is_refused_with_413(
    app, account, make_kind, designer, upload_root, monkeypatch
):
    draft = make_kind(DraftKind.FILE)
    before = stored_files(upload_root)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)

    response = upload(designer, account, draft, b"\0" * 4096, "big.zip", "application/zip")

    assert response.status_code == 413
    assert "That upload is larger than the portal accepts." in text_of(response)
    assert versions(app, draft) == []
    assert stored_files(upload_root) == before


@pytest.mark.parametrize(
    ("kind", "data", "name", "content_type", "accepted"),
    [
        pytest.param(
            DraftKind.IMAGE,
            b"just some text, honestly\n" * 20,
            "x.png",
            "image/png",
            "a PNG, JPEG, WebP or GIF image",
            id="text-named-png",
        ),
        pytest.param(
            DraftKind.IMAGE,
            pdf_bytes(),
            "brochure.png",
            "image/png",
            "a PNG, JPEG, WebP or GIF image",
            id="pdf-on-an-image-draft",
        ),
        pytest.param(
            DraftKind.PDF,
            png_bytes(),
            "brochure.pdf",
            "application/pdf",
            "a PDF",
            id="png-on-a-pdf-draft",
        ),
    ],
)
def test_a_file_whose_bytes_are_not_allowed_is_refused_and_nothing_is_kept(
    app, account, make_kind, designer, upload_root, kind, data, name, content_type, accepted
):
    draft = make_kind(kind)
    before = stored_files(upload_root)

    response = upload(designer, account, draft, data, name, content_type)

    assert response.status_code == 422
    assert f"That file isn&#39;t {accepted}, judging by its contents." in text_of(response)
    assert versions(app, draft) == []
    assert temporary_files(upload_root) == []
    assert stored_files(upload_root) == before


def test_a_truncated_png_is_refused(app, account, make_kind, designer, upload_root):
    draft = make_kind(DraftKind.IMAGE)
    whole = png_bytes(300, 200)
    before = stored_files(upload_root)

    response = upload(designer, account, draft, whole[: len(whole) // 2], "cut.png", "image/png")

    assert response.status_code == 422
    assert "That image file is damaged or incomplete." in text_of(response)
    assert versions(app, draft) == []
    assert temporary_files(upload_root) == []
    assert stored_files(upload_root) == before


def test_an_svg_with_a_script_is_refused_on_a_file_draft_and_never_served(
    app, account, make_kind, designer, reviewer, upload_root
):
    draft = make_kind(DraftKind.FILE)
    before = stored_files(upload_root)

    response = upload(designer, account, draft, SVG_WITH_SCRIPT, "logo.svg", "image/svg+xml")

    assert response.status_code == 422
    assert "judging by its contents" in text_of(response)
    assert versions(app, draft) == []
    assert stored_files(upload_root) == before
    page = text_of(reviewer.get(account.draft_url(draft)))
    assert "/file" not in page and "/download" not in page


# --- names and storage ---------------------------------------------------------------------


def test_a_hostile_file_name_never_reaches_the_disk_or_the_download_header(
    app, account, make_kind, designer, reviewer, upload_root
):
    draft = make_kind(DraftKind.IMAGE)
    image = png_bytes(32, 32, (1, 2, 3))
    outside_before = set(upload_root.parent.iterdir())

    response = upload(designer, account, draft, image, "../../etc/passwd\x00.png", "image/png")

    assert response.status_code == 302
    (version,) = versions(app, draft)
    with app.app_context():
        path = stored_path(version.file_hash)
    assert path.is_file() and path.read_bytes() == image
    assert path.resolve().is_relative_to(upload_root.resolve())
    assert set(upload_root.parent.iterdir()) == outside_before
    assert not (upload_root / ".." / ".." / "etc" / "passwd").exists()
    assert "/" not in version.original_name and "\x00" not in version.original_name

    download = reviewer.get(account.version_url(version, "download"))
    disposition = download.headers["Content-Disposition"]
    assert download.status_code == 200
    assert disposition.startswith("attachment")
    assert "/" not in disposition and "\x00" not in disposition and ".." not in disposition
    assert "passwd" in disposition and disposition.rstrip('"').endswith(".png")


def test_the_same_file_uploaded_twice_is_stored_once(
    app, account, make_kind, designer, upload_root
):
    draft = make_kind(DraftKind.IMAGE)
    image = png_bytes(50, 20, (9, 99, 199))
    before = stored_files(upload_root)

    assert upload(designer, account, draft, image, "one.png", "image/png").status_code == 302
    assert upload(designer, account, draft, image, "two.png", "image/png").status_code == 302

    first, second = versions(app, draft)
    assert first.file_hash == second.file_hash
    assert (first.original_name, second.original_name) == ("one.png", "two.png")
    # The file once, and once the preview the processing job made of it.
    assert first.thumbnail_hash == second.thumbnail_hash
    assert stored_files(upload_root) - before == {
        Path(h[:2]) / h for h in (first.file_hash, first.thumbnail_hash)
    }


# --- serving files -------------------------------------------------------------------------


@pytest.fixture
def image_version(app, account, make_kind, designer):
    draft = make_kind(DraftKind.IMAGE)
    upload(designer, account, draft, png_bytes(), "label.png", "image/png")
    return versions(app, draft)[0]


def test_a_download_is_an_attachment_that_browsers_may_not_sniff_or_run(
    account, image_version, reviewer
):
    response = reviewer.get(account.version_url(image_version, "download"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "label.png" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_an_inline_image_is_served_as_png_in_a_sandbox(account, image_version, reviewer):
    response = reviewer.get(account.version_url(image_version, "file"))
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data == png_bytes()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_a_pdf_is_served_as_a_download_in_a_sandbox(app, account, make_kind, designer, reviewer):
    draft = make_kind(DraftKind.PDF)
    response = upload(
        designer, account, draft, pdf_bytes(pages=3), "brochure.pdf", "application/pdf"
    )
    assert response.status_code == 302
    (version,) = versions(app, draft)
    assert version.page_count == 3

    served = reviewer.get(account.version_url(version, "file"))
    assert served.status_code == 200
    assert served.mimetype == "application/pdf"
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
