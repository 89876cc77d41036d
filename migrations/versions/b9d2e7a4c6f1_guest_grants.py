"""guest grants

A guest reviewer's access to one draft through an e-mailed link (portal.guests): the link's
token is stored hashed, with its expiry, revocation and whether the guest may decide. Guests
themselves are rows of users with kind "guest" and no client, which the users' check already
allows.

Revision ID: b9d2e7a4c6f1
Revises: a4c8e2f6b1d3
Create Date: 2026-12-06 08:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

from portal.models.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'b9d2e7a4c6f1'
down_revision = 'a4c8e2f6b1d3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guest_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('guest_id', sa.Integer(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('may_decide', sa.Boolean(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('confirmed_at', UTCDateTime(), nullable=True),
    sa.Column('revoked_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_guest_grants_client_id_clients')),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_guest_grants_draft_id_drafts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['guest_id'], ['users.id'], name=op.f('fk_guest_grants_guest_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_guest_grants_invited_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guest_grants')),
    sa.UniqueConstraint('draft_id', 'guest_id', name=op.f('uq_guest_grants_draft_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_guest_grants_token_hash'))
    )
    op.create_index(op.f('ix_guest_grants_client_id'), 'guest_grants', ['client_id'], unique=False)
    op.create_index(op.f('ix_guest_grants_draft_id'), 'guest_grants', ['draft_id'], unique=False)
    op.create_index(op.f('ix_guest_grants_guest_id'), 'guest_grants', ['guest_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_guest_grants_guest_id'), table_name='guest_grants')
    op.drop_index(op.f('ix_guest_grants_draft_id'), table_name='guest_grants')
    op.drop_index(op.f('ix_guest_grants_client_id'), table_name='guest_grants')
    op.drop_table('guest_grants')
