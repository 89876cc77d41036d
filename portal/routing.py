"""What a route accepts as an id: the ``<int:…>`` converter and the bounds behind it."""

from flask import request
from werkzeug.routing import IntegerConverter

# The largest id a PostgreSQL integer column holds; larger numbers can name no row.
MAX_ID = 2**31 - 1


def row_id(value) -> int | None:
    """A positive database id (or count) from user input, or None if it can't be one."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def page_number() -> int:
    """The ``?page=`` a list was asked for, or the first page."""
    return request.args.get("page", type=row_id) or 1


class IdConverter(IntegerConverter):
    """``<int:…>`` in routes: only numbers that can be a row id, so others are a plain 404."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
