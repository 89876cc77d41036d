"""The picture of a version under review: an image, or a PDF's pages, with their pins.

One stage, three callers: the draft page, the fragment that fills the pictures in once the
job has processed the file, and the comparison of two versions.
"""

from dataclasses import dataclass
from functools import cached_property

from portal.drafts.processing import PageImages, page_images
from portal.models import Client, Draft, Version


@dataclass
class Stage:
    """``version`` of ``draft`` with ``pins`` (markers with ``x``), pinnable when current."""

    client: Client
    draft: Draft
    version: Version
    is_current: bool
    pins: list

    @property
    def processing(self) -> bool:
        """Whether the job has still to measure the file and draw its previews."""
        version = self.version
        return (version.is_image or version.is_pdf) and version.processed_at is None

    @cached_property
    def pages(self) -> PageImages | None:
        """A processed PDF's pages as images (None for other files, or while processing)."""
        if not self.version.is_pdf or self.version.processed_at is None:
            return None
        return page_images(self.version.file_hash)

    @cached_property
    def _pins_by_page(self) -> dict[int | None, list]:
        by_page: dict[int | None, list] = {}
        for pin in self.pins:
            by_page.setdefault(pin.page, []).append(pin)
        return by_page

    def pins_on(self, page: int | None) -> list:
        """The pins on PDF page ``page``, or on the image (``None``), oldest first."""
        return self._pins_by_page.get(page, [])
