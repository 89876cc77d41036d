"""Jinja filters and globals shared by every template."""

import re
from datetime import datetime

from flask_login import current_user
from markupsafe import Markup, escape

from portal.columns import utcnow
from portal.extensions import db
from portal.models import Client
from portal.models.user import ROLE_LABELS
from portal.threads.subscriptions import follow_level


def paragraphs(text: str) -> Markup:
    """Plain text as escaped HTML paragraphs: blank lines split, single newlines break."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text or "") if block.strip()]
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


def own_client() -> Client | None:
    """The signed-in client user's organisation (from the identity map, even after a rollback)."""
    if not current_user.is_authenticated or not current_user.is_client:
        return None
    return db.session.get(Client, current_user.client_id)


def init_app(app) -> None:
    """Register the filters and globals."""
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.jinja_env.filters["age"] = age
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.globals["role_labels"] = ROLE_LABELS
    app.jinja_env.globals["own_client"] = own_client
    app.jinja_env.globals["follow_level"] = follow_level
