"""Collecting stored files no version refers to: an upload whose database write failed.

A file is stored before the version that refers to it is committed (its hash goes in the
row), so a write that fails afterwards (a lost race for the version number, the database
gone) leaves the file behind. It isn't deleted on the spot: files are kept by content, and
the same bytes may be on their way into another version at that moment. A periodic job
deletes instead what no row refers to and that has been there longer than ``GRACE``,
longer than any upload or processing job runs, so a file whose row is still being written
is never taken.

Referred to: each version's file and thumbnail, and for a PDF the index of its drawn pages
(kept beside it) and the page images listed there. Temporary files of uploads that never
finished (the process killed) go too, after the same grace. An index of drawn pages that
can't be read stops the collection before anything is deleted.
"""

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.drafts import storage
from portal.drafts.processing import PAGES_SUFFIX
from portal.extensions import db
from portal.models import Version, utcnow

log = logging.getLogger(__name__)

GRACE = timedelta(hours=6)


def collect_orphan_files(now: datetime | None = None) -> int:
    """Delete the stored files no version refers to, older than ``GRACE``; how many went."""
    cutoff = ((now or utcnow()) - GRACE).timestamp()
    kept = referenced_files()
    root = storage.upload_root()
    if not root.is_dir():
        return 0
    deleted = 0
    for path in root.glob("*/*"):
        if path.name in kept or not path.is_file():
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
        except FileNotFoundError:  # collected by another run meanwhile
            continue
    if deleted:
        log.info("deleted %s stored files no version refers to", deleted)
    return deleted


def referenced_files() -> set[str]:
    """The names of every stored file a version refers to, directly or through its pages."""
    kept = set()
    rows = db.session.execute(
        select(Version.file_hash, Version.thumbnail_hash).where(Version.file_hash.is_not(None))
    )
    for file_hash, thumbnail_hash in rows:
        kept.add(file_hash)
        if thumbnail_hash:
            kept.add(thumbnail_hash)
        index = storage.beside_path(file_hash, PAGES_SUFFIX)
        try:
            pages = json.loads(index.read_bytes())["pages"]
        except FileNotFoundError:
            continue
        kept.add(index.name)
        kept.update(image_hash for image_hash, _width, _height in pages)
    return kept
