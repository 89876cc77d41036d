"""review due dates and reminders

When the client's decisions on a draft's current version are due (drafts.review_due_at), and
the ledger of the reminders sent about it (review_reminders, see portal.reminders).

Revision ID: c7d1e9f3a5b8
Revises: b9d2e7a4c6f1
Create Date: 2026-12-06 08:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

from portal.models.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'c7d1e9f3a5b8'
down_revision = 'b9d2e7a4c6f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_due_at', UTCDateTime(), nullable=True))

    op.create_table('review_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('local_day', sa.Date(), nullable=False),
    sa.Column('due_at', UTCDateTime(), nullable=True),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('email_message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_review_reminders_draft_id_drafts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['email_message_id'], ['email_messages.id'], name=op.f('fk_review_reminders_email_message_id_email_messages')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_review_reminders_sent_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_review_reminders_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_review_reminders_version_id_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_reminders')),
    sa.UniqueConstraint('version_id', 'user_id', 'kind', 'local_day', name=op.f('uq_review_reminders_version_id'))
    )
    op.create_index(op.f('ix_review_reminders_draft_id'), 'review_reminders', ['draft_id'], unique=False)
    op.create_index(op.f('ix_review_reminders_user_id'), 'review_reminders', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_review_reminders_user_id'), table_name='review_reminders')
    op.drop_index(op.f('ix_review_reminders_draft_id'), table_name='review_reminders')
    op.drop_table('review_reminders')
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_column('review_due_at')
