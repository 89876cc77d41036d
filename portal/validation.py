"""Checks of user input (e-mail addresses, time zones), shared by forms, services and commands."""

import re
from zoneinfo import available_timezones

from wtforms.validators import ValidationError

# Deliberately plain: the address only has to be able to receive our e-mail, and internal
# domains such as ".local" are fine for an agency's own deployment.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]+$")


def is_email_address(value: str) -> bool:
    """Whether ``value`` looks like an address we can send e-mail to."""
    return bool(_EMAIL.match(value.strip())) and len(value.strip()) <= 254


# The time zones a person may choose, by name.
TIMEZONES = sorted(available_timezones() - {"localtime", "Factory"})
_TIMEZONE_NAMES = frozenset(TIMEZONES)


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is one of ``TIMEZONES``."""
    return name in _TIMEZONE_NAMES


def email_address(form, field) -> None:
    """WTForms validator: the field holds an e-mail address."""
    if field.data and not is_email_address(field.data):
        raise ValidationError("Enter an e-mail address like name@example.com.")
