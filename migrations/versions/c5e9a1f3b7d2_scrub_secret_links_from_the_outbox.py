"""scrub secret links from the outbox

Messages written before secret links became placeholders (portal.mail.secret_links) hold
password-reset and invitation links in plain text. Their tokens are replaced by a redaction
mark, in every message whatever its state: a message still waiting to go then carries a dead
link, and its recipient asks for a new one, which is safer than leaving a usable credential in
the database and its backups. Nothing can be put back on the way down.

Revision ID: c5e9a1f3b7d2
Revises: d3a8f5c1e7b9
Create Date: 2026-12-06 05:10:00.000000

"""
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c5e9a1f3b7d2'
down_revision = 'd3a8f5c1e7b9'
branch_labels = None
depends_on = None

SECRET_LINK = re.compile(r"(/reset/|/invitations/)[A-Za-z0-9_\-]{20,}")
REDACTED = "…redacted…"

messages = sa.table(
    "email_messages",
    sa.column("id", sa.Integer),
    sa.column("text_body", sa.Text),
    sa.column("html_body", sa.Text),
)


def scrubbed(body):
    return None if body is None else SECRET_LINK.sub(lambda match: match[1] + REDACTED, body)


def upgrade():
    connection = op.get_bind()
    holding_links = sa.or_(
        *(column.like(f"%{path}%") for path in ("/reset/", "/invitations/")
          for column in (messages.c.text_body, messages.c.html_body))
    )
    rows = connection.execute(sa.select(messages).where(holding_links)).all()
    for row in rows:
        connection.execute(
            messages.update().where(messages.c.id == row.id).values(
                text_body=scrubbed(row.text_body), html_body=scrubbed(row.html_body)
            )
        )


def downgrade():
    pass
