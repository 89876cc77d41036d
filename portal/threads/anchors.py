"""Anchors: the part of a version a comment points at."""

from portal.errors import InvalidInput
from portal.models import DraftKind, Version

MAX_QUOTE = 1000
# Fractions are kept to 4 places; an area's edge may pass the picture's by that rounding.
_ROUNDING = 0.0001


def _fraction(value, name: str, on: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"The pin's {name} position isn't a number.") from error
    if not 0.0 <= number <= 1.0:
        raise InvalidInput(f"The pin has to be on {on}.")
    return round(number, 4)


def _whole(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"The {name} isn't a whole number.") from error


def _page(value, version: Version) -> int:
    page = _whole(value, "page")
    if page < 1:
        raise InvalidInput("Pages are numbered from 1.")
    # Until the PDF's pages are counted (a job does it), any page is taken on trust.
    if version.page_count is not None and page > version.page_count:
        raise InvalidInput(f"This PDF has {version.page_count} pages.")
    return page


def _spot(raw: dict, anchor_type: str, version: Version) -> dict:
    """A point ``x``, ``y``, or an area from there ``w`` wide and ``h`` high, as fractions of
    the image or of PDF page ``page``."""
    anchor: dict = {"type": anchor_type}
    if version.is_pdf:
        if raw.get("page") in (None, ""):
            raise InvalidInput("Say which page the pin is on.")
        anchor["page"] = _page(raw.get("page"), version)
    on = "the page" if version.is_pdf else "the image"
    anchor["x"], anchor["y"] = _fraction(raw.get("x"), "x", on), _fraction(raw.get("y"), "y", on)
    if anchor_type == "rect":
        width, height = _fraction(raw.get("w"), "width", on), _fraction(raw.get("h"), "height", on)
        if width <= 0 or height <= 0:
            raise InvalidInput("Drag across the picture to mark an area.")
        if anchor["x"] + width > 1 + _ROUNDING or anchor["y"] + height > 1 + _ROUNDING:
            raise InvalidInput(f"The area has to be on {on}.")
        anchor["w"] = round(min(width, 1 - anchor["x"]), 4)
        anchor["h"] = round(min(height, 1 - anchor["y"]), 4)
    return anchor


def validate_anchor(raw: dict, kind: DraftKind, version: Version) -> dict:
    """A clean anchor into ``version`` from form values, or InvalidInput saying what's wrong.

    A passage is ``start``/``end`` offsets into the copy (the quote is taken from the copy
    itself); a point is ``x``/``y`` and an area (``rect``) also ``w``/``h``, all fractions of
    the image, or of PDF page ``page``; a page alone is a PDF page number.
    """
    anchor_type = raw.get("type")
    if anchor_type == "passage" and kind == DraftKind.COPY:
        start, end = _whole(raw.get("start"), "start"), _whole(raw.get("end"), "end")
        if not 0 <= start < end <= len(version.body or ""):
            raise InvalidInput("That passage isn't in this version of the copy.")
        if end - start > MAX_QUOTE:
            raise InvalidInput(f"Quote at most {MAX_QUOTE} characters.")
        return {"type": "passage", "start": start, "end": end, "quote": version.body[start:end]}
    if anchor_type in ("point", "rect") and (version.is_image or version.is_pdf):
        return _spot(raw, anchor_type, version)
    if anchor_type == "page" and version.is_pdf:
        return {"type": "page", "page": _page(raw.get("page"), version)}
    raise InvalidInput("That kind of pointer doesn't fit this draft.")
