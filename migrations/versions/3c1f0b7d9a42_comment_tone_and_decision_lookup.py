"""comment tone kept for health; a version's decisions by time

``comments.tone`` holds the VADER score of a comment's body once the health job has read
it (portal/health/tone.py), so the job scores each comment once instead of on every run.
``decisions (version_id, created_at)`` finds a version's first decision without reading
every decision (the health job asks it of every version in its window).

Revision ID: 3c1f0b7d9a42
Revises: e6e323833d3a
Create Date: 2026-12-02 03:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c1f0b7d9a42'
down_revision = 'e6e323833d3a'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('comments', sa.Column('tone', sa.Float(), nullable=True))
    op.create_index('ix_decisions_version_id_created_at', 'decisions', ['version_id', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_decisions_version_id_created_at', table_name='decisions')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('tone')
