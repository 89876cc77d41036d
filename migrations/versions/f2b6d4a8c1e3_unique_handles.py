"""unique handles

Each person gets a stored @handle of their own. Until now a handle was the local part of the
address, so jo@agency and jo@client were both "@jo" and a mention reached one of them at
random. The backfill gives the oldest account the plain local part and the others a number
(jo, jo2, …), in the letters a mention is written with; role handles (@copywriter…) are
kept for roles. The rules are copied from portal.models.user as they stand today, so this
migration does the same thing whatever the model later becomes.

Revision ID: f2b6d4a8c1e3
Revises: c5e9a1f3b7d2
Create Date: 2026-12-06 05:40:00.000000

"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f2b6d4a8c1e3"
down_revision = "c5e9a1f3b7d2"
branch_labels = None
depends_on = None

MAX_HANDLE = 40
ROLE_HANDLES = {
    "copywriter",
    "creative",
    "designer",
    "strategist",
    "account-manager",
    "accountmanager",
    "client-services",
    "clientservices",
}
NOT_IN_HANDLE = re.compile(r"[^a-z0-9_.-]+")

users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("handle", sa.String),
)


def handle_base(email):
    local = email.strip().casefold().split("@", 1)[0].split("+", 1)[0]
    ascii_local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
    base = NOT_IN_HANDLE.sub("", ascii_local).strip("_.-")[: MAX_HANDLE - 4].strip("_.-")
    return base or "person"


def first_free_handle(base, taken):
    candidate, number = base, 1
    while candidate in taken or candidate in ROLE_HANDLES:
        number += 1
        candidate = f"{base}{number}"
    return candidate


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handle", sa.String(length=MAX_HANDLE), nullable=True))

    connection = op.get_bind()
    taken = set()
    rows = connection.execute(sa.select(users.c.id, users.c.email).order_by(users.c.id)).all()
    for row in rows:
        handle = first_free_handle(handle_base(row.email), taken)
        taken.add(handle)
        connection.execute(users.update().where(users.c.id == row.id).values(handle=handle))

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("handle", existing_type=sa.String(length=MAX_HANDLE), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_users_handle"), ["handle"])


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_handle"), type_="unique")
        batch_op.drop_column("handle")
