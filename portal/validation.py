"""Checks of user input shared by forms and commands."""

import re

from werkzeug.routing import IntegerConverter
from wtforms.validators import ValidationError

# Deliberately plain: the address only has to be able to receive our e-mail, and internal
# domains such as ".local" are fine for an agency's own deployment.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]+$")


def is_email_address(value: str) -> bool:
    """Whether ``value`` looks like an address we can send e-mail to."""
    return bool(_EMAIL.match(value.strip())) and len(value.strip()) <= 254


def email_address(form, field) -> None:
    """WTForms validator: the field holds an e-mail address."""
    if field.data and not is_email_address(field.data):
        raise ValidationError("Enter an e-mail address like name@example.com.")


# The largest id a PostgreSQL integer column holds; larger numbers can name no row.
MAX_ID = 2**31 - 1


def row_id(value) -> int | None:
    """A positive database id (or count) from user input, or None if it can't be one."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class IdConverter(IntegerConverter):
    """``<int:…>`` in routes: only numbers that can be a row id, so others are a plain 404."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
