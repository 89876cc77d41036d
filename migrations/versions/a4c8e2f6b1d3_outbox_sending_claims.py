"""outbox sending claims

A worker claims an outbox row (sending_since) in a short transaction, talks to the SMTP
server outside any transaction, and writes the outcome in another.

Revision ID: a4c8e2f6b1d3
Revises: f2b6d4a8c1e3
Create Date: 2026-12-06 08:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a4c8e2f6b1d3"
down_revision = "f2b6d4a8c1e3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("email_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sending_since", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("email_messages", schema=None) as batch_op:
        batch_op.drop_column("sending_since")
