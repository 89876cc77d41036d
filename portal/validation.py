"""Checks of user input (e-mail addresses, time zones, display names), shared by forms,
services and commands."""

import re
import unicodedata
from zoneinfo import available_timezones

from wtforms.validators import ValidationError

# Deliberately plain: the address only has to be able to receive our e-mail, and internal
# domains such as ".local" are fine for an agency's own deployment. It goes into a To header
# as it is, so nothing that header syntax reads: no second address ("a,b@x", "a;b@x"), no
# display name ("a<b@x>"), no group ("Bcc:b@x"), no quoting or comment.
_ADDRESS_CHARACTER = r"[^@\s<>()\[\]\\,;:\"]"
_EMAIL = re.compile(
    rf"^{_ADDRESS_CHARACTER}{{1,64}}@{_ADDRESS_CHARACTER}+\.[^@\s<>()\[\]\\,;:\".]+$"
)
# Controls, bidi controls and other invisible format characters, separators.
_NOT_IN_AN_ADDRESS = frozenset({"Cc", "Cf", "Zl", "Zp", "Zs"})


def is_email_address(value: str) -> bool:
    """Whether ``value`` looks like one address we can send e-mail to (see ``_EMAIL``)."""
    value = value.strip()
    return (
        bool(_EMAIL.match(value))
        and len(value) <= 254
        and not any(unicodedata.category(character) in _NOT_IN_AN_ADDRESS for character in value)
    )


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


# A display name appears in e-mail sent to people who have never met its owner, so it may
# hold only a name: nothing a mail program would turn into a link or a number to call.
DISPLAY_NAME_MAX = 80
# Zero-width joiner and non-joiner: invisible, but some scripts need them to spell names.
_JOINERS = frozenset("\u200c\u200d")
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})
# Full stops that browsers read as the dot of a domain.
_DOTS = str.maketrans("\u3002\uff0e\uff61", "...")
_WEB_ADDRESS = re.compile(r"://|\bwww\.|[\w-]\.[^\W\d_]{2,}\b")
_EMAIL_LIKE = re.compile(r"[^\s@]@[^\s@]")
_NUMBER_RUN = re.compile(r"[\d+(][\d\s()+./-]*\d")
_PHONE_DIGITS = 7


def _is_invisible(character: str) -> bool:
    # Cc: controls, tabs and line breaks included; Cf: bidi overrides, isolates and marks,
    # zero-width spaces, soft hyphens; Zl, Zp: the Unicode line and paragraph separators.
    return unicodedata.category(character) in _INVISIBLE and character not in _JOINERS


def display_name_problem(name: str) -> str | None:
    """Why ``name`` can't be a person's display name, or None when it can. Refused: more
    than ``DISPLAY_NAME_MAX`` characters (spaces collapsed), control and bidi characters,
    web addresses, e-mail addresses and runs of seven or more digits."""
    if any(_is_invisible(character) for character in name):
        return (
            "A name can't contain tabs, line breaks or invisible characters"
            " such as text-direction marks."
        )
    name = " ".join(name.split())
    if len(name) > DISPLAY_NAME_MAX:
        return f"Use at most {DISPLAY_NAME_MAX} characters for a name."
    # Full-width letters and digits read as the plain ones they look like.
    folded = unicodedata.normalize("NFKC", name).translate(_DOTS).casefold()
    if _EMAIL_LIKE.search(folded):
        return "A name can't contain an e-mail address."
    if _WEB_ADDRESS.search(folded):
        return "A name can't contain a web address. After a full stop, leave a space (“Dr. Ng”)."
    if any(
        sum(character.isdigit() for character in run.group()) >= _PHONE_DIGITS
        for run in _NUMBER_RUN.finditer(folded)
    ):
        return "A name can't contain a phone number."
    return None


def display_name(form, field) -> None:
    """WTForms validator: the field holds an acceptable display name (``display_name_problem``).
    The name the person already has (the form's object's) passes as it is, so that names
    saved before these rules don't stop anyone saving their other settings."""
    if field.data is None or field.data.strip() == (field.object_data or "").strip():
        return
    if problem := display_name_problem(field.data.strip()):
        raise ValidationError(problem)
