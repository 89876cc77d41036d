"""Jinja filters and globals shared by every template."""

import re

from markupsafe import Markup, escape

from portal.models.user import ROLE_LABELS


def paragraphs(text: str) -> Markup:
    """Plain text as escaped HTML paragraphs: blank lines split, single newlines break."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text or "") if block.strip()]
    return Markup(
        "".join(
            f"<p>{Markup('<br>').join(escape(line) for line in block.splitlines())}</p>"
            for block in blocks
        )
    )


def init_app(app) -> None:
    """Register the filters and globals."""
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.jinja_env.globals["role_labels"] = ROLE_LABELS
