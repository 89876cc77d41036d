"""What search needs in each database: the migration fills the index from the rows already
there; the index keeps up with changes; PostgreSQL's queries use the GIN indexes."""

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from portal import create_app
from portal.extensions import db
from portal.models import Comment, Project
from portal.search.backends import backend_for
from portal.search.services import SEARCHED
from tests.databases import scratch_database
from tests.factories import make_client, make_project

SEARCH_REVISION = "c3e8a5f1d7b2"


def matching_ids(kind: str, words: str) -> list[int]:
    """The ids of the rows of ``kind`` matching ``words``, whoever may see them."""
    searched = SEARCHED[kind]
    joins, condition = backend_for(db.engine.dialect.name).matching(searched, words)
    query = select(searched.model.id).where(condition)
    for target, on in joins:
        query = query.join(target, on)
    return list(db.session.scalars(query))


@pytest.fixture
def fresh_app(tmp_path):
    with scratch_database(
        os.environ.get("PORTAL_TEST_DATABASE_URL"), tmp_path, "search_migration"
    ) as url:
        fresh = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 32}, environ={})
        yield fresh
        with fresh.app_context():
            db.engine.dispose()


def test_the_migration_indexes_the_rows_already_there(fresh_app):
    with fresh_app.app_context():
        upgrade(revision=f"{SEARCH_REVISION}-1")
        project_id = make_project(make_client("Old"), name="Lighthouse", brief="Paint it.").id
        db.session.remove()  # its transaction holds SQLite's write lock
        upgrade(revision=SEARCH_REVISION)
        assert matching_ids("project", "lighthouse") == [project_id]
        assert matching_ids("project", "paint") == [project_id]
        db.session.remove()


def test_the_index_follows_every_change(app):
    with app.app_context():
        project = make_project(make_client("Kept"), name="Harbour walk")
        assert matching_ids("project", "harbour") == [project.id]
        db.session.get(Project, project.id).name = "Quayside walk"
        db.session.commit()
        assert matching_ids("project", "harbour") == []
        assert matching_ids("project", "quayside") == [project.id]
        db.session.delete(db.session.get(Project, project.id))
        db.session.commit()
        assert matching_ids("project", "quayside") == []


def test_postgresql_reads_the_gin_index_of_each_searched_table(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite reads its FTS5 tables: there is no other way to MATCH")
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        for kind, searched in SEARCHED.items():
            _, condition = backend_for("postgresql").matching(searched, "harbour")
            query = select(searched.model.id).where(condition)
            compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
            plan = "\n".join(db.session.scalars(text(f"EXPLAIN {compiled}")))
            assert f"ix_search_{searched.table}" in plan, (kind, plan)
        db.session.rollback()
    assert Comment.__tablename__ in {searched.table for searched in SEARCHED.values()}
