"""answers kept on comments; outbox and comment window indexes

Each comment records whether a client wrote it and, on a client comment, the first later
client-visible staff comment of its thread (portal/threads/answers.py keeps them from now
on); two partial indexes hold the client comments still waiting. Existing rows are filled
here in plain SQL. Also: comments.created_at for the digest windows, and the outbox's
newest-first order, of all or of one status.

Revision ID: e6e323833d3a
Revises: 8ef0baf185d3
Create Date: 2026-12-01 22:55:47.303116

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6e323833d3a'
down_revision = '8ef0baf185d3'
branch_labels = None
depends_on = None

AWAITING_ANSWER = "answered_by_id IS NULL AND resolved_at IS NULL AND deleted_at IS NULL"
AWAITING_ANSWER_INDEXES = {
    'ix_comments_awaiting_answer': ['client_id', 'created_at'],
    'ix_comments_awaiting_answer_oldest': ['created_at', 'id'],
}

# Client comments, each with the first later comment of its thread by staff, shared with
# the client and not deleted: what portal.threads.queries.first_staff_reply_id finds.
# (ORDER BY ... LIMIT 1 stops at that comment; min() would read the rest of the thread.)
FILL = sa.text(
    "UPDATE comments SET from_client = :yes, answered_by_id = ("
    " SELECT reply.id FROM comments AS reply"
    " JOIN users AS staff ON staff.id = reply.author_id"
    " WHERE reply.thread_id = comments.thread_id AND reply.id > comments.id"
    " AND reply.internal = :no AND reply.deleted_at IS NULL AND staff.kind = 'staff'"
    " ORDER BY reply.id LIMIT 1"
    ") WHERE author_id IN (SELECT id FROM users WHERE kind = 'client')"
).bindparams(yes=True, no=False)


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        # Staff comments, until the fill below; the default goes once it is done.
        batch_op.add_column(sa.Column('from_client', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('answered_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_comments_created_at'), ['created_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_comments_answered_by_id_comments'), 'comments', ['answered_by_id'], ['id'])

    op.execute(FILL)

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.alter_column('from_client', existing_type=sa.Boolean(), server_default=None)

    # After the batches: SQLite's table copies must not have to carry a partial index.
    for name, columns in AWAITING_ANSWER_INDEXES.items():
        op.create_index(
            name, 'comments', columns, unique=False,
            sqlite_where=sa.text(f"from_client = 1 AND {AWAITING_ANSWER}"),
            postgresql_where=sa.text(f"from_client AND {AWAITING_ANSWER}"),
        )

    with op.batch_alter_table('email_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_messages_status'))
        batch_op.create_index('ix_email_messages_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_email_messages_status_created_at_id', ['status', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('email_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_email_messages_status_created_at_id')
        batch_op.drop_index('ix_email_messages_created_at_id')
        batch_op.create_index(batch_op.f('ix_email_messages_status'), ['status'], unique=False)

    for name in AWAITING_ANSWER_INDEXES:
        op.drop_index(name, table_name='comments')

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_comments_answered_by_id_comments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_comments_created_at'))
        batch_op.drop_column('answered_by_id')
        batch_op.drop_column('from_client')
