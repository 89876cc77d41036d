"""full-text search over projects, drafts, threads and comments

PostgreSQL: a GIN index on each searched text's tsvector (english), the very expression
portal.search.backends queries, so nothing needs keeping up to date. SQLite: an FTS5 table
per searched table, external content (the text stays in the table itself), kept up to date
by triggers and filled from the rows already there.

Revision ID: c3e8a5f1d7b2
Revises: d8f4b2a6e9c1
Create Date: 2026-12-06 08:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "c3e8a5f1d7b2"
down_revision = "d8f4b2a6e9c1"
branch_labels = None
depends_on = None

# Each searched table and its searched columns, as of this revision.
SEARCHED = {
    "projects": ("name", "brief", "goals"),
    "drafts": ("title",),
    "threads": ("title",),
    "comments": ("body",),
}


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in SEARCHED.items():
            document = " || ' ' || ".join(columns)
            op.execute(
                f"CREATE INDEX ix_search_{table} ON {table} "
                f"USING gin (to_tsvector('english'::regconfig, {document}))"
            )
        return
    for table, columns in SEARCHED.items():
        _create_fts5(table, columns)


def _create_fts5(table, columns):
    index = f"search_{table}"
    listed = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    forget = f"INSERT INTO {index}({index}, rowid, {listed}) VALUES ('delete', old.id, {old});"
    learn = f"INSERT INTO {index}(rowid, {listed}) VALUES (new.id, {new});"
    op.execute(
        f"CREATE VIRTUAL TABLE {index} USING fts5({listed}, content='{table}', "
        "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
    )
    op.execute(f"CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN {learn} END")
    op.execute(f"CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN {forget} END")
    op.execute(
        f"CREATE TRIGGER {index}_update AFTER UPDATE OF {listed} ON {table} "
        f"BEGIN {forget} {learn} END"
    )
    op.execute(f"INSERT INTO {index}({index}) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in SEARCHED:
            op.execute(f"DROP INDEX ix_search_{table}")
        return
    for table in SEARCHED:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER search_{table}_{trigger}")
        op.execute(f"DROP TABLE search_{table}")
