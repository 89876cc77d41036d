"""Jinja filters and globals shared by every template."""

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape

from portal.counting import count_label
from portal.extensions import db
from portal.forms import strip_bidi_controls
from portal.health.sparkline import sparkline
from portal.models import Client, DraftKind, EmailStatus, FollowLevel, ThreadKind, utcnow
from portal.models.user import ROLE_LABELS
from portal.threads.live import live_stamp
from portal.threads.subscriptions import follow_level


def shown(value):
    """What every ``{{ … }}`` of every template and e-mail writes (Jinja's ``finalize``): plain
    text without bidi controls, so no stored name, title or file name shows disguised. HTML
    built on purpose (Markup: rendered comments, the copy under review) is left as it is."""
    return strip_bidi_controls(value) if type(value) is str else value


def paragraphs(text: str) -> Markup:
    """Plain text as escaped HTML paragraphs: blank lines split, single newlines break. Prose:
    bidi overrides go, marks stay (``strip_bidi_controls``)."""
    text = strip_bidi_controls(text or "", keep_marks=True)
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]
    return Markup(
        "".join(
            f"<p>{Markup('<br>').join(escape(line) for line in block.splitlines())}</p>"
            for block in blocks
        )
    )


def age(moment: datetime | None) -> str:
    """How long ago ``moment`` was, in words: "3 days", "5 hours", "under a minute"."""
    if moment is None:
        return ""
    seconds = max(0, int((utcnow() - moment).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "under a minute"


def ago(moment: datetime | None) -> str:
    """``moment`` relative to now: "3 days ago", "just now"."""
    elapsed = age(moment)
    if elapsed == "under a minute":
        return "just now"
    return f"{elapsed} ago" if elapsed else ""


# strftime patterns without the platform-specific "%-d": the day is put in front by hand.
DATE_STYLES = {"long": "%B %Y", "medium": "%b %Y", "short": "%b"}


def _day_month_year(value: date, style: str) -> str:
    return f"{value.day} {value.strftime(DATE_STYLES[style])}"


def zone_of(person) -> ZoneInfo:
    """``person``'s time zone; UTC for nobody or for a zone name this machine doesn't know."""
    try:
        return ZoneInfo(getattr(person, "timezone", None) or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def reader_zone(context, person=None) -> ZoneInfo:
    """The zone a template's times are shown in: ``person``'s if given; in an e-mail, the
    recipient's; else the signed-in user's; else UTC.

    E-mail templates always have ``recipient`` in their context (None when the address has no
    account yet), so an e-mail queued during someone else's request never shows their zone.
    """
    if person is None:
        # Flask-Login's context processor gives every template the signed-in user itself
        # (anonymous, or None outside a request): read it there, not through the proxy,
        # since a page shows dozens of times.
        person = context["recipient"] if "recipient" in context else context.get("current_user")
    return zone_of(person)


def _aware(moment: datetime) -> datetime:
    # Stored timestamps read back aware; a naive one can only be UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@pass_context
def localtime(context, moment: datetime | None, person=None) -> str:
    """An instant on the reader's clock: "3 Dec 2026, 14:05 GMT".

    The reader is ``person`` if given, else an e-mail's recipient, else the signed-in user.
    """
    if moment is None:
        return ""
    local = _aware(moment).astimezone(reader_zone(context, person))
    return f"{_day_month_year(local, 'medium')}, {local:%H:%M %Z}"


@pass_context
def localdate(context, moment: datetime | None, person=None, style: str = "medium") -> str:
    """The day an instant falls on for the reader (as for ``localtime``): "3 Dec 2026"."""
    if moment is None:
        return ""
    return _day_month_year(_aware(moment).astimezone(reader_zone(context, person)), style)


def calendardate(value: date | None, style: str = "long") -> str:
    """A calendar date such as a due date, not converted to any zone: "3 December 2026".

    ``style`` is "long" (3 December 2026), "medium" (3 Dec 2026) or "short" (3 Dec).
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        raise TypeError("calendardate is for dates; show an instant with localtime/localdate")
    return _day_month_year(value, style)


def utc_iso(moment: datetime | None) -> str:
    """An instant for a ``<time datetime>`` attribute: ISO 8601 in UTC."""
    if moment is None:
        return ""
    return _aware(moment).astimezone(UTC).isoformat()


def own_client() -> Client | None:
    """The signed-in client user's organisation (from the identity map, even after a rollback)."""
    if not current_user.is_authenticated or not current_user.is_client:
        return None
    return db.session.get(Client, current_user.client_id)


def init_app(app) -> None:
    """Register the filters and globals, and have every ``{{ … }}`` written through ``shown``."""
    app.jinja_env.finalize = shown
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.jinja_env.filters["age"] = age
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["localdate"] = localdate
    app.jinja_env.filters["calendardate"] = calendardate
    app.jinja_env.filters["utc_iso"] = utc_iso
    app.jinja_env.filters["count_label"] = count_label
    app.jinja_env.globals["role_labels"] = ROLE_LABELS
    app.jinja_env.globals["own_client"] = own_client
    app.jinja_env.globals["follow_level"] = follow_level
    app.jinja_env.globals["live_stamp"] = live_stamp
    app.jinja_env.globals["sparkline"] = sparkline
    # Templates compare with the enums, so a renamed value can't leave a stale string behind.
    app.jinja_env.globals.update(
        DraftKind=DraftKind, EmailStatus=EmailStatus, FollowLevel=FollowLevel, ThreadKind=ThreadKind
    )
