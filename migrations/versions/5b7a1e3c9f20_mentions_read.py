"""mentions marked read

``mentions.read`` says whether the person has read the thread past the comment that
mentions them (portal.threads.subscriptions.mark_read keeps it from now on); a partial
index holds the unread ones, so "Questions for you" reads what is unread, not every
mention ever made. Existing rows are filled from the read marks.

Revision ID: 5b7a1e3c9f20
Revises: 9d2e4c6a8b10
Create Date: 2026-12-02 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7a1e3c9f20'
down_revision = '9d2e4c6a8b10'
branch_labels = None
depends_on = None

FILL = sa.text(
    "UPDATE mentions SET read = (comment_id <= COALESCE(("
    " SELECT subscriptions.last_read_comment_id FROM subscriptions"
    " JOIN comments ON comments.thread_id = subscriptions.thread_id"
    " WHERE comments.id = mentions.comment_id AND subscriptions.user_id = mentions.user_id"
    "), 0))"
)


def upgrade():
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('read', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(FILL)
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.alter_column('read', existing_type=sa.Boolean(), server_default=None)
    op.create_index(
        'ix_mentions_unread', 'mentions', ['user_id', 'comment_id'], unique=False,
        # As each database renders the query's condition, so that it can use the index.
        sqlite_where=sa.text('read = 0'), postgresql_where=sa.text('NOT read'),
    )


def downgrade():
    op.drop_index('ix_mentions_unread', table_name='mentions')
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.drop_column('read')
