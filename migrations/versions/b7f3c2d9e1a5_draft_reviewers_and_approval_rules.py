"""draft reviewers and approval rules

Each draft names the client users whose decisions it waits for (draft_reviewers) and how
their verdicts combine (drafts.approval_rule: any one, all, or a final approver named in
drafts.final_approver_id); each client has the rule its new drafts start with. Existing
drafts keep today's behaviour: rule "any", and their client's active users as reviewers.

Columns are added in place, with their server defaults kept (the models declare them too):
dropping a default would copy each whole table on SQLite for nothing.

Revision ID: b7f3c2d9e1a5
Revises: a4c2e8f61b37
Create Date: 2026-12-06 02:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

from portal.models.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'b7f3c2d9e1a5'
down_revision = 'a4c2e8f61b37'
branch_labels = None
depends_on = None

# Plain SQL both databases take: Alembic's add_column would add the key as a separate
# ALTER, which SQLite has no form for.
ADD_FINAL_APPROVER = (
    "ALTER TABLE drafts ADD COLUMN final_approver_id INTEGER"
    " CONSTRAINT fk_drafts_final_approver_id_users REFERENCES users (id)"
)
FILL_REVIEWERS = sa.text(
    "INSERT INTO draft_reviewers (draft_id, user_id, created_at)"
    " SELECT drafts.id, users.id, drafts.created_at FROM drafts"
    " JOIN users ON users.client_id = drafts.client_id"
    " WHERE users.kind = 'client' AND users.active = :yes"
).bindparams(yes=True)


def upgrade():
    op.create_table('draft_reviewers',
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_draft_reviewers_draft_id_drafts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_draft_reviewers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('draft_id', 'user_id', name=op.f('pk_draft_reviewers'))
    )
    with op.batch_alter_table('draft_reviewers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_reviewers_user_id'), ['user_id'], unique=False)

    for table in ('drafts', 'clients'):
        op.add_column(table, sa.Column('approval_rule', sa.String(length=16), nullable=False, server_default='any'))
    op.execute(ADD_FINAL_APPROVER)

    op.execute(FILL_REVIEWERS)


def downgrade():
    for table in ('drafts', 'clients'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == 'drafts':
                # Its foreign key goes with it.
                batch_op.drop_column('final_approver_id')
            batch_op.drop_column('approval_rule')

    with op.batch_alter_table('draft_reviewers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_reviewers_user_id'))

    op.drop_table('draft_reviewers')
