"""The slow part of an upload, done by a job: measuring the file and making its preview.

``process_version`` runs on the ``slow`` queue once the version is committed. Until it has,
``Version.processed_at`` is empty and pages show a placeholder. A file that can't be read is
not an error of the job: the version gets a short ``processing_error`` and counts as
processed, so nothing retries it forever. Running the job again does nothing.
"""

import io
import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

import pypdfium2 as pdfium
from PIL import Image, features
from sqlalchemy import select

from portal.drafts import storage
from portal.extensions import db
from portal.jobs import enqueue
from portal.models import Version, utcnow

log = logging.getLogger(__name__)

THUMBNAIL_BOX = (480, 480)
# EXIF orientation -> how to turn the pixels so they stand as the photographer meant.
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_EXIF_ORIENTATION = 0x0112
_TURNS_SIDEWAYS = {
    Image.Transpose.TRANSPOSE,
    Image.Transpose.TRANSVERSE,
    Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_270,
}
# A PDF's pages are drawn as images within these bounds: the first MAX_PAGES pages, each at
# most PAGE_SIDE pixels on its longer side, all within RENDER_SECONDS (inside rq's 180 s job
# timeout); past them the pages left undrawn say why, and the PDF can still be downloaded.
MAX_PAGES = 200
PAGE_SIDE = 1600
MAX_SCALE = 4.0
RENDER_SECONDS = 120
# The index of a PDF's drawn pages is kept beside the PDF, under its content hash.
PAGES_SUFFIX = ".pages.json"
# A version left unprocessed this long had its job lost (say the queue was down): sweep it.
SWEEP_AFTER = timedelta(minutes=10)


class UnreadableFile(Exception):
    """The stored file can't be measured; the message is shown to people."""


@dataclass(frozen=True)
class PageImage:
    """One PDF page drawn as an image, stored under ``image_hash``."""

    number: int
    image_hash: str
    width: int
    height: int


@dataclass(frozen=True)
class PageImages:
    """A PDF's pages as the job drew them: the first ``len(pages)`` of ``total``; ``error``
    says why the others weren't drawn."""

    pages: list[PageImage]
    total: int
    error: str | None

    def page(self, number: int) -> PageImage | None:
        return self.pages[number - 1] if 0 < number <= len(self.pages) else None


def page_images(file_hash: str) -> PageImages | None:
    """The drawn pages of the PDF stored as ``file_hash``, or None until a job drew them."""
    try:
        index = json.loads(storage.beside_path(file_hash, PAGES_SUFFIX).read_bytes())
    except FileNotFoundError:
        return None
    pages = [PageImage(n, *entry) for n, entry in enumerate(index["pages"], start=1)]
    return PageImages(pages, index["total"], index["error"])


def process_version(version_id: int) -> None:
    """Measure version ``version_id``'s file and make its preview; once only.

    Images get their width, height and a thumbnail; PDFs their page count and their pages
    drawn as images; other files nothing. A missing stored file raises (that is the
    storage's fault, not the file's, and the job may be run again once it's back).

    No transaction is open while the file is read and drawn, which may take a minute: on
    SQLite one would hold the database's write lock all that time (``portal.extensions``).
    """
    version = db.session.get(Version, version_id)
    if version is None or version.processed_at is not None or not version.is_file:
        return
    file_hash, is_image, is_pdf = version.file_hash, version.is_image, version.is_pdf
    db.session.commit()
    path = storage.stored_path(file_hash)
    if not path.is_file():
        raise FileNotFoundError(f"version {version_id}'s file {file_hash} is missing")
    measured = {}
    try:
        if is_image:
            width, height, thumbnail = _measure_image(path)
            measured = {"width": width, "height": height,
                        "thumbnail_hash": storage.store_bytes(thumbnail)}  # fmt: skip
        elif is_pdf:
            measured = {"page_count": _draw_pages(path, file_hash)}
    except UnreadableFile as error:
        log.warning("version %s: %s", version_id, error, exc_info=error.__cause__)
        measured = {"processing_error": str(error)[:255]}
    version = db.session.get(Version, version_id)
    if version is None or version.processed_at is not None:
        return
    for name, value in measured.items():
        setattr(version, name, value)
    version.processed_at = utcnow()


def sweep_unprocessed(limit: int = 100) -> int:
    """Queue again the files whose processing job was lost; how many were queued.

    A periodic job: versions stored a while ago and still unmeasured (their job never ran,
    e.g. the queue was unreachable, or they were made outside a request) get a new one.
    """
    ids = db.session.scalars(
        select(Version.id)
        .where(
            Version.file_hash.is_not(None),
            Version.processed_at.is_(None),
            Version.created_at < utcnow() - SWEEP_AFTER,
        )
        .order_by(Version.id)
        .limit(limit)
    ).all()
    for version_id in ids:
        enqueue(process_version, version_id, queue="slow")
    return len(ids)


def _measure_image(path) -> tuple[int, int, bytes]:
    """The image's size as shown (EXIF orientation applied) and a thumbnail of it."""
    try:
        with Image.open(path) as image:
            transpose = _ORIENTATION.get(image.getexif().get(_EXIF_ORIENTATION))
            width, height = image.size
            if transpose in _TURNS_SIDEWAYS:
                width, height = height, width
            thumbnail = _thumbnail(image, transpose)
    except Exception as error:  # Pillow's decoders raise many kinds on a damaged file
        raise UnreadableFile("The image couldn't be read to measure it.") from error
    return width, height, thumbnail


def _thumbnail(image: Image.Image, transpose: Image.Transpose | None) -> bytes:
    """The first frame, fitted inside THUMBNAIL_BOX keeping its shape, as WebP (else PNG).

    Transparency is kept; palettes (GIFs) are expanded before resizing, which they would
    otherwise do pixel by pixel; 16-bit greys are scaled down rather than clipped to white.
    """
    image.seek(0)
    target = "RGBA" if image.has_transparency_data else "RGB"
    if image.mode == "I" or image.mode.startswith("I;16"):
        frame = image.convert("I").point(lambda value: value / 256).convert("L")
    elif image.mode in ("1", "P", "PA"):
        frame = image.convert(target)
    else:
        frame = image  # resized in place; a JPEG is decoded straight at a reduced scale
    frame.thumbnail(THUMBNAIL_BOX)
    if frame.mode != target:
        frame = frame.convert(target)
    if transpose is not None:
        frame = frame.transpose(transpose)
    icc = image.info.get("icc_profile")
    return _encoded(frame, **({"icc_profile": icc} if icc else {}))


def _encoded(image: Image.Image, **extra) -> bytes:
    """A preview's bytes: WebP, or PNG where Pillow lacks WebP."""
    buffer = io.BytesIO()
    if features.check("webp"):
        image.save(buffer, "WEBP", quality=80, method=4, **extra)
    else:
        image.save(buffer, "PNG", optimize=True, **extra)
    return buffer.getvalue()


def _draw_pages(path, file_hash: str) -> int:
    """Draw the PDF's pages as images within the bounds above and keep their index beside
    the PDF (a PDF uploaded again is not drawn again); returns its number of pages."""
    drawn = page_images(file_hash)
    if drawn is not None:
        return drawn.total
    try:
        document = pdfium.PdfDocument(path)
    except Exception as error:  # pdfium refuses damaged and locked files alike
        raise UnreadableFile("The PDF couldn't be read to count its pages.") from error
    pages, error = [], None
    try:
        total = len(document)
        deadline = time.monotonic() + RENDER_SECONDS
        for index in range(min(total, MAX_PAGES)):
            if time.monotonic() > deadline:
                error = f"Only the first {index} pages could be drawn in time."
                break
            try:
                pages.append(_draw_page(document[index]))
            except Exception as failure:  # one broken page: keep those drawn so far
                log.warning("%s: page %s: %s", file_hash, index + 1, failure, exc_info=failure)
                error = f"Page {index + 1} couldn't be drawn."
                break
        if error is None and total > MAX_PAGES:
            error = f"Only the first {MAX_PAGES} pages are shown as images."
    finally:
        document.close()
    index = {"total": total, "pages": pages, "error": error}
    storage.store_beside(file_hash, PAGES_SUFFIX, json.dumps(index).encode())
    return total


def _draw_page(page) -> list:
    """[image hash, width, height] of ``page`` drawn to fit PAGE_SIDE."""
    try:
        width, height = page.get_size()
        if width <= 0 or height <= 0:
            raise ValueError("the page has no size")
        image = page.render(scale=min(PAGE_SIDE / max(width, height), MAX_SCALE)).to_pil()
    finally:
        page.close()
    return [storage.store_bytes(_encoded(image)), image.width, image.height]
