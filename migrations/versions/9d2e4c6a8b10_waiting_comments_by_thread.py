"""the comments waiting on the agency, by thread

A third partial index over the client comments still waiting for an answer, by thread:
whose move it is on a draft reads its thread's waiting comments, not all its comments.

Revision ID: 9d2e4c6a8b10
Revises: 3c1f0b7d9a42
Create Date: 2026-12-02 03:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d2e4c6a8b10'
down_revision = '3c1f0b7d9a42'
branch_labels = None
depends_on = None

AWAITING_ANSWER = "answered_by_id IS NULL AND resolved_at IS NULL AND deleted_at IS NULL"


def upgrade():
    op.create_index(
        'ix_comments_awaiting_answer_thread', 'comments', ['thread_id', 'created_at'], unique=False,
        sqlite_where=sa.text(f"from_client = 1 AND {AWAITING_ANSWER}"),
        postgresql_where=sa.text(f"from_client AND {AWAITING_ANSWER}"),
    )


def downgrade():
    op.drop_index('ix_comments_awaiting_answer_thread', table_name='comments')
