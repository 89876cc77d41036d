"""the clients' own comments by client and time

An index of the comments a client wrote, by client, time and author: the health job reads
each client's own comments of the last 30 days, and the newest of all (its last action, from
the index alone), instead of every comment of the client. Partial (from_client), so that
without statistics the inbox's waiting-comment indexes still win its queries.

Revision ID: a4c2e8f61b37
Revises: 7e3d5f1a2c64
Create Date: 2026-12-05 23:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a4c2e8f61b37'
down_revision = '7e3d5f1a2c64'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_comments_client_comments', 'comments',
        ['client_id', 'created_at', 'author_id'], unique=False,
        sqlite_where=sa.text('from_client = 1'),
        postgresql_where=sa.text('from_client'),
    )


def downgrade():
    op.drop_index('ix_comments_client_comments', table_name='comments')
