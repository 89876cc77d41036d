"""The migrations build the models' schema on an empty database, on SQLite and PostgreSQL."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal import create_app
from portal.extensions import db
from portal.search.backends import not_search_schema
from tests.databases import scratch_database


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new database of the kind the suite runs on."""
    with scratch_database(
        os.environ.get("PORTAL_TEST_DATABASE_URL"), tmp_path, "migrations"
    ) as url:
        yield url


def test_migrations_build_the_models_schema_on_an_empty_database(empty_database_url):
    fresh = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "x" * 32}, environ={}
    )
    with fresh.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(
                MigrationContext.configure(
                    connection, opts={"compare_type": True, "include_name": not_search_schema}
                ),
                db.metadata,
            )
        assert differences == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "users" in inspect(db.engine).get_table_names()
        db.engine.dispose()
