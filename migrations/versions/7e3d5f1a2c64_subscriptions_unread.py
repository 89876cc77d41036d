"""subscriptions marked unread

``subscriptions.unread`` says whether comments by others the person may read might wait
after their read mark (portal.threads.subscriptions keeps it from now on); a partial index
holds the ones marked, so "Unread threads" reads those, not every subscription. Existing
rows are worked out here from the read marks.

Revision ID: 7e3d5f1a2c64
Revises: 5b7a1e3c9f20
Create Date: 2026-12-02 04:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e3d5f1a2c64'
down_revision = '5b7a1e3c9f20'
branch_labels = None
depends_on = None

# A comment by someone else, not deleted, after the read mark, that the person may read
# (staff read everything; clients neither staff-only notes nor internal threads).
FILL = sa.text(
    "UPDATE subscriptions SET unread = EXISTS ("
    " SELECT 1 FROM comments JOIN threads ON threads.id = comments.thread_id"
    " WHERE comments.thread_id = subscriptions.thread_id"
    " AND comments.id > subscriptions.last_read_comment_id"
    " AND comments.author_id != subscriptions.user_id"
    " AND comments.deleted_at IS NULL"
    " AND (EXISTS (SELECT 1 FROM users WHERE users.id = subscriptions.user_id AND users.kind = 'staff')"
    " OR (comments.internal = :no AND threads.internal = :no)))"
).bindparams(no=False)


def upgrade():
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unread', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute(FILL)
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.alter_column('unread', existing_type=sa.Boolean(), server_default=None)
    op.create_index(
        'ix_subscriptions_unread', 'subscriptions', ['user_id'], unique=False,
        # As each database renders the query's condition, so that it can use the index.
        sqlite_where=sa.text('unread = 1'), postgresql_where=sa.text('unread'),
    )


def downgrade():
    op.drop_index('ix_subscriptions_unread', table_name='subscriptions')
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('unread')
