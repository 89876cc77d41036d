"""PDFs that would run something are refused, and no PDF is shown as a page of its own
(issue 12, defect 12).

The hostile PDFs are written by hand, with real cross-reference tables, and each is first
shown to be what it claims by pdfium itself (the engine of Chromium's viewer): it finds
the script, so a refusal is not a refusal of a file no reader would run.
"""

import io
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest

from portal.drafts.processing import PAGES_SUFFIX
from portal.drafts.storage import beside_path
from portal.models import DraftKind, Version
from tests.drafts.helpers import pdf_bytes, rows, text_of
from tests.factories import make_draft

SCRIPTS = "This PDF contains scripts or automatic actions; export it again without them."

PAGES = {
    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
}
SCRIPT_IN_NAMES = {
    1: b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 4 0 R >> >>",
    **PAGES,
    4: b"<< /Names [(hello) 5 0 R] >>",
    5: b"<< /S /JavaScript /JS (app.alert\\('hi'\\)) >>",
}


def pdf(objects: dict[int, bytes], packed: frozenset[int] = frozenset()) -> bytes:
    """A PDF of ``objects`` (number -> body), object 1 its catalog; those ``packed`` go in a
    compressed object stream, found through a cross-reference stream (PDF 1.5)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, tuple[int, int, int]] = {}
    for number, body in objects.items():
        if number not in packed:
            offsets[number] = (1, out.tell(), 0)
            out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    size = max(objects) + 1
    if not packed:
        xref_at = out.tell()
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            out.write(b"%010d 00000 n \n" % offsets[number][1])
        out.write(
            b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref_at)
        )
        return out.getvalue()
    stream_number, xref_number = size, size + 1
    header, bodies = [], b""
    for index, number in enumerate(sorted(packed)):
        header.append(b"%d %d" % (number, len(bodies)))
        bodies += objects[number] + b"\n"
        offsets[number] = (2, stream_number, index)
    first = b" ".join(header) + b"\n"
    packed_data = zlib.compress(first + bodies)
    offsets[stream_number] = (1, out.tell(), 0)
    out.write(
        b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\n"
        b"stream\n%s\nendstream\nendobj\n"
        % (stream_number, len(packed), len(first), len(packed_data), packed_data)
    )
    offsets[xref_number] = (1, out.tell(), 0)
    entries = b"\x00\x00\x00\x00\x00\xff\xff" + b"".join(
        bytes([kind]) + place.to_bytes(4, "big") + index.to_bytes(2, "big")
        for kind, place, index in (offsets[n] for n in range(1, xref_number + 1))
    )
    xref_at = out.tell()
    out.write(
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\n"
        b"stream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n"
        % (xref_number, xref_number + 1, len(entries), entries, xref_at)
    )
    return out.getvalue()


def scripts_pdfium_finds(data: bytes) -> int:
    """How many document-level scripts pdfium reads in ``data`` (it must open it)."""
    document = pdfium.PdfDocument(data)
    try:
        return pdfium_raw.FPDFDoc_GetJavaScriptActionCount(document.raw)
    finally:
        document.close()


def upload_pdf(browser, account, draft, data: bytes):
    return browser.post(
        account.draft_url(draft, "/versions/new"),
        data={"file": (io.BytesIO(data), "brochure.pdf", "application/pdf"), "note": "v"},
        content_type="multipart/form-data",
    )


def kept_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def pdf_draft(app, account):
    with app.app_context():
        return make_draft(account.project, account.designer, DraftKind.PDF, title="Brochure")


HOSTILE = {
    "document script": (pdf(SCRIPT_IN_NAMES), 1),
    "name spelled with escapes": (
        pdf({**SCRIPT_IN_NAMES, 5: b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"}),
        1,
    ),
    "script inside a compressed object stream": (
        pdf(SCRIPT_IN_NAMES, packed=frozenset({4, 5})),
        1,
    ),
    "catalog packed too": (pdf(SCRIPT_IN_NAMES, packed=frozenset({1, 4, 5})), 1),
    "open action": (
        pdf(
            {
                1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
                **PAGES,
                4: b"<< /S /JavaScript /JS (this.print\\(\\)) >>",
            }
        ),
        0,
    ),
    "page opening action": (
        pdf(
            {
                1: b"<< /Type /Catalog /Pages 2 0 R >>",
                2: PAGES[2],
                3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /AA << /O 4 0 R >> >>",
                4: b"<< /S /GoTo /D [3 0 R /Fit] >>",
            }
        ),
        0,
    ),
    "launch": (
        pdf(
            {
                1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
                **PAGES,
                4: b"<< /S /Launch /F (calc.exe) >>",
            }
        ),
        0,
    ),
}


@pytest.mark.parametrize(("data", "scripts"), HOSTILE.values(), ids=HOSTILE.keys())
def test_a_pdf_that_would_run_something_is_refused_and_nothing_kept(
    app, account, pdf_draft, designer, data, scripts
):
    assert scripts_pdfium_finds(data) == scripts  # a real PDF, read as the test says
    root = Path(app.config["UPLOAD_DIR"])
    before = kept_files(root)

    response = upload_pdf(designer, account, pdf_draft, data)

    assert response.status_code == 422
    assert SCRIPTS.replace("'", "&#39;") in text_of(response)
    assert rows(app, Version, Version.draft_id == pdf_draft.id) == []
    assert kept_files(root) == before


def test_an_object_stream_that_cant_be_inflated_is_refused(app, account, pdf_draft, designer):
    data = pdf(SCRIPT_IN_NAMES, packed=frozenset({4, 5}))
    start = data.index(b"stream\n", data.index(b"/ObjStm")) + len(b"stream\n")
    garbled = data[:start] + bytes(b ^ 0x5A for b in data[start : start + 20]) + data[start + 20 :]

    response = upload_pdf(designer, account, pdf_draft, garbled)

    assert response.status_code == 422
    assert "packed in a way we can" in text_of(response)


@pytest.mark.parametrize(
    "data",
    [
        pdf_bytes(pages=2),
        pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>", **PAGES}, packed=frozenset({1, 2, 3})),
        # Chance bytes in compressed page content that spell /JS or /AA don't count.
        pdf(
            {
                1: b"<< /Type /Catalog /Pages 2 0 R >>",
                2: PAGES[2],
                3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
                4: b"<< /Length 12 /Filter /FlateDecode >>\n"
                b"stream\n\x01/JS /AA \x02\x03\nendstream",
            }
        ),
    ],
    ids=["made-by-pillow", "packed-objects", "short-names-in-stream-data"],
)
def test_an_ordinary_pdf_is_accepted(app, account, pdf_draft, designer, data):
    response = upload_pdf(designer, account, pdf_draft, data)

    assert response.status_code == 302, text_of(response)
    assert len(rows(app, Version, Version.draft_id == pdf_draft.id)) == 1


def test_a_pdf_is_never_shown_as_a_page_of_its_own(app, account, pdf_draft, designer, reviewer):
    """Chromium's viewer can't run inside a sandbox (CSP ``sandbox`` or a sandboxed frame
    blocks it), so a PDF is only ever downloaded; the draft page shows its drawn pages."""
    assert upload_pdf(designer, account, pdf_draft, pdf_bytes(pages=1)).status_code == 302
    (version,) = rows(app, Version, Version.draft_id == pdf_draft.id)

    served = reviewer.get(account.version_url(version, "file"))

    assert served.status_code == 200
    assert served.headers["Content-Disposition"].startswith("attachment")
    policy = served.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "frame-ancestors 'none'" in policy
    assert served.headers["X-Frame-Options"] == "DENY"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    # Even where its pages aren't drawn (their index lost), no frame shows the PDF itself.
    with app.app_context():
        beside_path(version.file_hash, PAGES_SUFFIX).unlink()
    page = text_of(reviewer.get(account.draft_url(pdf_draft, "")))
    assert "<iframe" not in page
    assert "Download the PDF to read it." in page
