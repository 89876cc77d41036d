"""received replies: a reply by e-mail delivered twice posts once

Revision ID: e1a7c3f9b2d4
Revises: c3e8a5f1d7b2
Create Date: 2026-12-06 08:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

from portal.models.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = "e1a7c3f9b2d4"
down_revision = "c3e8a5f1d7b2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "received_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_received_replies_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_replies")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_received_replies_fingerprint")),
    )
    with op.batch_alter_table("received_replies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_received_replies_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("received_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_received_replies_user_id"))
    op.drop_table("received_replies")
