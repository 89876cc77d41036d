"""Hostile uploads (issue 12): each is refused with a clear 4xx and nothing kept, or stored
inertly, served only as what its bytes are, never as HTML or SVG, with nosniff, a sandbox
policy, and as an attachment unless it is an image.

Polyglots (an image that is also HTML or JavaScript), decompression bombs (an image that
declares billions of pixels, a PDF whose compressed stream inflates past any budget), markup
in disguise and names that try to be paths or markup. The single cases these grew from are in
tests/drafts/test_uploads.py and tests/hardening/test_pdf_scripts.py.
"""

import io
import struct
import zlib

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from portal.models import DraftKind, Version
from tests.drafts.helpers import pdf_bytes, rows, text_of
from tests.factories import make_draft, png_bytes

SCRIPT = b"<script>alert(document.domain)</script>"
HTML = b"<!doctype html><html><body onload=alert(1)>" + SCRIPT + b"</body></html>"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)" width="9" height="9">'
    + SCRIPT
    + b"</svg>"
)
# What a browser would run, or render as a page of our origin.
ACTIVE_TYPES = {
    "text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml",
    "text/javascript", "application/javascript", "text/plain",
}  # fmt: skip
REFUSED = {413, 415, 422}


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` by ``height`` pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def gif_declaring(width: int, height: int) -> bytes:
    """A GIF whose screen and only image claim ``width`` by ``height`` pixels."""
    screen = struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00"
    return b"GIF89a" + screen + image + b"\x3b"


def png_with_text(text: str) -> bytes:
    info = PngInfo()
    info.add_text("Comment", text)
    buffer = io.BytesIO()
    Image.new("RGB", (12, 12), (10, 20, 30)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def gif_that_is_javascript() -> bytes:
    """A real GIF whose bytes also parse as JavaScript: ``GIF89a/*…*/=alert(1)``."""
    buffer = io.BytesIO()
    Image.new("P", (0x2A2F, 1)).save(buffer, "GIF")  # the width, little-endian, is "/*"
    return buffer.getvalue() + b"*/=alert(1);//"


def pdf_with_stream(dictionary: bytes, inflated: bytes) -> bytes:
    """A one-page PDF with a FlateDecode stream of ``inflated`` bytes under ``dictionary``."""
    packed = zlib.compress(inflated, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 60 60] /Contents 4 0 R >>",
        b"<< " + dictionary + b" /Filter /FlateDecode /Length %d >>\nstream\n" % len(packed)
        + packed + b"\nendstream",
    ]  # fmt: skip
    body, offsets = b"%PDF-1.7\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    xref += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        len(body),
    )
    return body + xref + trailer


BOMB = b"\x00" * (48 * 1024 * 1024)  # 48 MiB, about 48 KB compressed

# name -> (draft kind, bytes, file name, declared type, what may happen: "refused" or "either")
HOSTILE = {
    "png then html (polyglot)": (
        DraftKind.IMAGE, png_bytes() + HTML, "a.png", "image/png", "either"),
    "png with a script in a text chunk": (
        DraftKind.IMAGE, png_with_text(HTML.decode()), "b.png", "image/png", "either"),
    "gif that is javascript": (
        DraftKind.IMAGE, gif_that_is_javascript(), "c.gif", "image/gif", "either"),
    "pdf header around html": (
        DraftKind.PDF, b"%PDF-1.4\n" + HTML + b"\n%%EOF\n", "d.pdf", "application/pdf", "either"),
    "pdf then html": (DraftKind.FILE, pdf_bytes() + HTML, "e.pdf", "application/pdf", "either"),
    "png declaring 50,000 x 50,000": (
        DraftKind.IMAGE, png_declaring(50_000, 50_000), "f.png", "image/png", "refused"),
    "gif declaring 65,535 x 65,535": (
        DraftKind.IMAGE, gif_declaring(65_535, 65_535), "g.gif", "image/gif", "refused"),
    "pdf object stream inflating to 48 MiB": (
        DraftKind.PDF, pdf_with_stream(b"/Type /ObjStm /N 1 /First 4", BOMB), "h.pdf",
        "application/pdf", "refused"),
    "pdf page inflating to 48 MiB": (
        DraftKind.PDF, pdf_with_stream(b"", BOMB), "i.pdf", "application/pdf", "either"),
    "html named .png": (DraftKind.IMAGE, HTML, "j.png", "image/png", "refused"),
    "svg named .jpg": (DraftKind.IMAGE, SVG, "k.jpg", "image/jpeg", "refused"),
    "svg named .png on a file draft": (DraftKind.FILE, SVG, "l.png", "image/png", "refused"),
    "html named .pdf": (DraftKind.PDF, HTML, "m.pdf", "application/pdf", "refused"),
    "html on a file draft": (DraftKind.FILE, HTML, "n.html", "text/html", "refused"),
    "a png named .pdf": (DraftKind.IMAGE, png_bytes(), "o.pdf", "application/pdf", "either"),
    "a png named .html": (DraftKind.FILE, png_bytes(), "p.html", "text/html", "either"),
    "a pdf named .svg": (DraftKind.FILE, pdf_bytes(), "q.svg", "image/svg+xml", "either"),
}  # fmt: skip

HOSTILE_NAMES = {
    "posix traversal": "../../../../etc/passwd",
    "windows traversal": "..\\..\\windows\\win.ini",
    "nul before the extension": "x.png\x00.html",
    "line breaks and a header": "x\r\nContent-Type: text/html\r\n\r\n<script>.png",
    "quotes and markup": '"><img src=x onerror=alert(1)>.png',
    "right-to-left override": "photo\u202egnp.html",
    "only dots": "..",
    "10,000 characters": "a" * 10_000 + ".png",
}


@pytest.fixture
def drafts(app, account):
    """One draft of each kind that takes files, by kind."""
    with app.app_context():
        return {
            kind: make_draft(account.project, account.designer, kind, title=f"A {kind} draft")
            for kind in (DraftKind.IMAGE, DraftKind.PDF, DraftKind.FILE)
        }


def upload(browser, account, draft, data: bytes, name: str, content_type: str):
    return browser.post(
        account.draft_url(draft, "/versions/new"),
        data={"file": (io.BytesIO(data), name, content_type), "note": "Here it is."},
        content_type="multipart/form-data",
    )


def assert_served_inertly(browser, account, version) -> None:
    for what in ("file", "download"):
        served = browser.get(account.version_url(version, what))
        assert served.status_code == 200, what
        assert served.mimetype not in ACTIVE_TYPES, (what, served.mimetype)
        assert served.mimetype == version.mime_type
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in served.headers["Content-Security-Policy"]
        disposition = served.headers.get("Content-Disposition", "")
        if what == "download" or not version.mime_type.startswith("image/"):
            assert disposition.startswith("attachment"), (what, disposition)
        assert not any(c in disposition for c in "\r\n\x00<>/\\"), disposition


@pytest.mark.parametrize("payload", HOSTILE, ids=HOSTILE.keys())
def test_a_hostile_file_is_refused_or_kept_inert(app, account, drafts, designer, reviewer, payload):
    kind, data, name, declared, allowed = HOSTILE[payload]
    response = upload(designer, account, drafts[kind], data, name, declared)
    stored = rows(app, Version, Version.draft_id == drafts[kind].id)

    assert response.status_code < 500
    if allowed == "refused" or response.status_code >= 400:
        assert response.status_code in REFUSED, response.status_code
        assert stored == []
        return
    (version,) = stored
    assert version.mime_type not in ACTIVE_TYPES
    assert_served_inertly(reviewer, account, version)
    page = reviewer.get(account.draft_url(drafts[kind]))
    assert page.status_code == 200 and SCRIPT.decode() not in text_of(page)


def test_hostile_file_names_are_shown_and_sent_as_plain_names(
    app, account, drafts, designer, reviewer
):
    draft = drafts[DraftKind.FILE]
    for n, name in enumerate(HOSTILE_NAMES.values()):
        image = png_bytes(8, 8, (n, n, n))
        # A line break ends the part's header early: the server sees no file (422).
        assert upload(designer, account, draft, image, name, "image/png").status_code in (302, 422)
    for version in rows(app, Version, Version.draft_id == draft.id):
        assert not any(c in version.original_name for c in '/\\\x00\r\n<>"\u202e')
        assert len(version.original_name) <= 200
        assert_served_inertly(reviewer, account, version)
    page = text_of(reviewer.get(account.draft_url(draft)))
    assert "<img src=x" not in page and "<script>" not in page
