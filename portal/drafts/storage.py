"""Uploaded files: typed from their bytes, stored once under their content hash.

A file is written to a temporary name in the upload folder, checked, and only then moved to
``<upload dir>/<hash[:2]>/<hash>`` in one atomic rename, so a failed or refused upload never
leaves a file a version could point at. The name the uploader gave is kept for display and
downloads only; it never reaches a path on disk.

Only the fast checks run during the upload: the type from the bytes, and a cheap look at the
file's integrity. Measuring and previews are left to ``portal.drafts.processing``, a job.
"""

import hashlib
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app
from PIL import Image, UnidentifiedImageError

from portal.drafts.pdf_actions import check_pdf_actions
from portal.errors import InvalidInput
from portal.models import DraftKind

IMAGE_TYPES = {"image/png", "image/jpeg", "image/webp", "image/gif"}
PDF_TYPES = {"application/pdf"}
OTHER_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/zip",
    "video/mp4",
    "video/quicktime",
    "audio/mpeg",
}
ALLOWED_BY_KIND = {
    DraftKind.IMAGE: IMAGE_TYPES,
    DraftKind.PDF: PDF_TYPES,
    DraftKind.FILE: IMAGE_TYPES | PDF_TYPES | OTHER_TYPES,
}
KIND_DESCRIPTIONS = {
    DraftKind.IMAGE: "a PNG, JPEG, WebP or GIF image",
    DraftKind.PDF: "a PDF",
    DraftKind.FILE: (
        "an image, a PDF, a Word, Excel or PowerPoint file, a ZIP, an MP4, a MOV or an MP3"
    ),
}
_CHUNK = 1024 * 1024
# Decompression bombs: refuse images larger than this many pixels.
MAX_IMAGE_PIXELS = 100_000_000
# Readers accept a PDF whose end-of-file marker is this close to its end.
PDF_TAIL = 1024


@dataclass(frozen=True)
class StoredFile:
    """What we know of a stored upload."""

    file_hash: str
    size: int
    mime_type: str
    original_name: str


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def stored_path(file_hash: str) -> Path:
    """Where the file with SHA-256 ``file_hash`` lives."""
    if len(file_hash) != 64 or not all(c in "0123456789abcdef" for c in file_hash):
        raise ValueError("not a SHA-256 hex digest")
    return upload_root() / file_hash[:2] / file_hash


def display_name(name: str | None) -> str:
    """The uploader's file name, made safe to show and to put in a header; never a path."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>')
    name = name.strip(" .") or "file"
    return name[-200:]


def _check_integrity(path: Path, mime: str) -> None:
    """Refuse a file that is plainly damaged; cheap, so it can run during the upload.

    An image's header and structure are verified without decoding its pixels; a PDF must
    start with its header and end with its end-of-file marker (its pages aren't parsed),
    and carry no scripts, automatic actions or attached files (``pdf_actions``).
    """
    if mime in IMAGE_TYPES:
        try:
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise InvalidInput("That image is too large to review (over 100 megapixels).")
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as e:
            raise InvalidInput("That image file is damaged or incomplete.") from e
    elif mime in PDF_TYPES:
        with path.open("rb") as pdf:
            head = pdf.read(5)
            pdf.seek(max(path.stat().st_size - PDF_TAIL, 0))
            tail = pdf.read()
        if head != b"%PDF-" or b"%%EOF" not in tail:
            raise InvalidInput("That PDF is damaged or incomplete.")
        check_pdf_actions(path)


def _file_in_place(temp_path: Path, file_hash: str) -> None:
    """Move the finished temporary file to where ``file_hash`` is kept, in one rename."""
    final = stored_path(file_hash)
    final.parent.mkdir(exist_ok=True)
    os.replace(temp_path, final)


def _temporary_file() -> tuple[int, Path]:
    root = upload_root()
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=root / "tmp")
    return handle, Path(temp_name)


def beside_path(file_hash: str, suffix: str) -> Path:
    """Where something derived from the file ``file_hash`` is kept (e.g. its pages' index)."""
    return stored_path(file_hash).with_name(file_hash + suffix)


def store_beside(file_hash: str, suffix: str, data: bytes) -> None:
    """Keep ``data`` derived from the file ``file_hash`` at ``beside_path``, written whole
    (a temporary file renamed into place), so a reader sees the old bytes or the new."""
    handle, temp_path = _temporary_file()
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
        os.replace(temp_path, beside_path(file_hash, suffix))
    finally:
        temp_path.unlink(missing_ok=True)


def store_bytes(data: bytes) -> str:
    """Store ``data`` (e.g. a preview made by a job) under its content hash; return the hash.

    Written to a temporary file and renamed into place, so no reader ever sees half of it.
    """
    file_hash = hashlib.sha256(data).hexdigest()
    try:
        # Kept already: touched, so the collection of orphans counts it as new again.
        os.utime(stored_path(file_hash))
        return file_hash
    except FileNotFoundError:
        pass
    handle, temp_path = _temporary_file()
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
        _file_in_place(temp_path, file_hash)
    finally:
        temp_path.unlink(missing_ok=True)
    return file_hash


def stored_type(file_hash: str) -> str | None:
    """The type of a stored file, from its bytes."""
    guess = filetype.guess(str(stored_path(file_hash)))
    return guess.mime if guess else None


def store_upload(stream, original_name: str | None, kind: str) -> StoredFile:
    """Store an uploaded file for a draft of ``kind``; raises InvalidInput if it isn't allowed.

    The type is taken from the bytes alone: the name and the declared type are ignored.
    """
    digest, size = hashlib.sha256(), 0
    handle, temp_path = _temporary_file()
    try:
        with os.fdopen(handle, "wb") as temp:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                temp.write(chunk)
        if size == 0:
            raise InvalidInput("That file is empty.")
        guess = filetype.guess(str(temp_path))
        mime = guess.mime if guess else None
        if mime not in ALLOWED_BY_KIND[kind]:
            raise InvalidInput(
                f"That file isn't {KIND_DESCRIPTIONS[kind]}, judging by its contents."
            )
        _check_integrity(temp_path, mime)
        file_hash = digest.hexdigest()
        _file_in_place(temp_path, file_hash)
    finally:
        temp_path.unlink(missing_ok=True)
    return StoredFile(
        file_hash=file_hash, size=size, mime_type=mime, original_name=display_name(original_name)
    )
