"""review notices

One row per person owed word of a new version of a draft or of a decision on one
(portal.notifications.review): whether they have seen it on the draft's page, and whether
its as-it-happens e-mail has been dealt with. Nothing is back-filled: what happened before
was already left to the digests.

Revision ID: d3a8f5c1e7b9
Revises: b7f3c2d9e1a5
Create Date: 2026-12-06 02:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

from portal.models.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'd3a8f5c1e7b9'
down_revision = 'b7f3c2d9e1a5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('seen_at', UTCDateTime(), nullable=True),
    sa.Column('handled_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_review_notices_decision_id_decisions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_review_notices_draft_id_drafts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_review_notices_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_review_notices_version_id_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_notices'))
    )
    op.create_index('ix_review_notices_user_id_draft_id', 'review_notices', ['user_id', 'draft_id'], unique=False)
    op.create_index(
        'ix_review_notices_pending', 'review_notices', ['user_id'], unique=False,
        sqlite_where=sa.text('handled_at IS NULL AND seen_at IS NULL'),
        postgresql_where=sa.text('handled_at IS NULL AND seen_at IS NULL'),
    )


def downgrade():
    op.drop_index('ix_review_notices_pending', table_name='review_notices')
    op.drop_index('ix_review_notices_user_id_draft_id', table_name='review_notices')
    op.drop_table('review_notices')
