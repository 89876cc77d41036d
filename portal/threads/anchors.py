"""Anchors: the part of a version a comment points at."""

from portal.errors import InvalidInput
from portal.models import DraftKind, Version

MAX_QUOTE = 1000


def _fraction(value, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"The pin's {name} position isn't a number.") from error
    if not 0.0 <= number <= 1.0:
        raise InvalidInput("The pin has to be on the image.")
    return round(number, 4)


def _whole(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"The {name} isn't a whole number.") from error


def validate_anchor(raw: dict, kind: DraftKind, version: Version) -> dict:
    """A clean anchor into ``version`` from form values, or InvalidInput saying what's wrong.

    A passage is ``start``/``end`` offsets into the copy (the quote is taken from the copy
    itself); a point is ``x``/``y`` as fractions of the image; a page is a PDF page number.
    """
    anchor_type = raw.get("type")
    if anchor_type == "passage" and kind == DraftKind.COPY:
        start, end = _whole(raw.get("start"), "start"), _whole(raw.get("end"), "end")
        if not 0 <= start < end <= len(version.body or ""):
            raise InvalidInput("That passage isn't in this version of the copy.")
        if end - start > MAX_QUOTE:
            raise InvalidInput(f"Quote at most {MAX_QUOTE} characters.")
        return {"type": "passage", "start": start, "end": end, "quote": version.body[start:end]}
    if anchor_type == "point" and version.is_image:
        return {
            "type": "point",
            "x": _fraction(raw.get("x"), "x"),
            "y": _fraction(raw.get("y"), "y"),
        }
    if anchor_type == "page" and version.is_pdf:
        page = _whole(raw.get("page"), "page")
        if page < 1:
            raise InvalidInput("Pages are numbered from 1.")
        # Until the PDF's pages are counted (a job does it), any page is taken on trust.
        if version.page_count is not None and page > version.page_count:
            raise InvalidInput(f"This PDF has {version.page_count} pages.")
        return {"type": "page", "page": page}
    raise InvalidInput("That kind of pointer doesn't fit this draft.")
