"""reply by e-mail: a reply-key version per person, a Reply-To placeholder per message

Revision ID: d8f4b2a6e9c1
Revises: c7d1e9f3a5b8
Create Date: 2026-12-06 08:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d8f4b2a6e9c1"
down_revision = "c7d1e9f3a5b8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reply_key_version", sa.Integer(), server_default="1", nullable=False)
        )
    with op.batch_alter_table("email_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_to", sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table("email_messages", schema=None) as batch_op:
        batch_op.drop_column("reply_to")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("reply_key_version")
