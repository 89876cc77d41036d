"""One app and one migrated database per test session; every table emptied after each test.

The database comes from ``PORTAL_TEST_DATABASE_URL`` (default: a SQLite file in a temporary
folder). ``make test`` runs the suite once on SQLite and once on PostgreSQL.
"""

import os
import threading
import time

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer
from psycopg.errors import DeadlockDetected
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from portal import create_app
from portal.extensions import db, limiter
from tests.databases import scratch_database
from tests.factories import TEST_PASSWORD

pytest_plugins = ["tests.personas", "tests.realparts", "tests.review", "tests.access.consistency"]

CSRF_RAW_TOKEN = "test-csrf-token"


class PortalClient(FlaskClient):
    """A test client that sends a valid CSRF token with every state-changing request.

    Pass ``csrf=False`` to send none, for testing the rejection itself.
    """

    def open(self, *args, csrf=True, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if csrf and method not in ("GET", "HEAD", "OPTIONS"):
            with self.session_transaction() as session:
                session["csrf_token"] = CSRF_RAW_TOKEN
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.application.config["TEST_CSRF_TOKEN"])
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The URL of this session's own empty database."""
    configured = os.environ.get("PORTAL_TEST_DATABASE_URL")
    with scratch_database(configured, tmp_path_factory.mktemp("db"), "session") as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """The app under test, on a database built by the real migrations."""
    secret = "test-secret-key-" + "x" * 32
    app = create_app(
        {
            "PORTAL_ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": secret,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": None,
            "RATELIMIT_STORAGE_URI": "memory://",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 1024,
            "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
            "SERVER_NAME": "portal.test",
            "PUBLIC_URL": "http://portal.test",
            "TEST_CSRF_TOKEN": URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(
                CSRF_RAW_TOKEN
            ),
        },
        environ={},
    )
    app.test_client_class = PortalClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def empty_database(app) -> None:
    """Empty every table and every rate-limit counter."""
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        if db.engine.dialect.name == "postgresql":
            truncate(", ".join(table.name for table in tables))
        else:
            with db.engine.begin() as connection:
                for table in tables:
                    connection.execute(table.delete())
    limiter.reset()


def truncate(names: str, attempts: int = 10) -> None:
    """TRUNCATE the tables, again if PostgreSQL picked it as a deadlock's victim: a reader
    still running then finishes first. Who that was (the other sessions, and this process's
    threads, should it be one of them) is printed."""
    for attempt in range(1, attempts + 1):
        try:
            with db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        except OperationalError as error:
            if not isinstance(error.orig, DeadlockDetected) or attempt == attempts:
                raise
            with db.engine.connect() as connection:
                others = connection.execute(text(OTHER_SESSIONS)).all()
            threads = [thread.name for thread in threading.enumerate()]
            print(f"TRUNCATE was a deadlock's victim (attempt {attempt}); others: {others}; "
                  f"threads here: {threads}")  # fmt: skip
            time.sleep(0.1 * attempt)  # let the reader's transaction end


OTHER_SESSIONS = """
    SELECT pid, client_port, backend_start, xact_start, state, query
    FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


@pytest.fixture(autouse=True)
def _clean_state(app):
    """Start every test from empty tables and rate limits, whatever the last one left."""
    yield
    empty_database(app)


@pytest.fixture
def client(app):
    """A browser-like test client with no one signed in."""
    return app.test_client()


@pytest.fixture
def new_browser(app):
    """Make another test client, for tests that need two browsers at once."""
    return app.test_client


@pytest.fixture
def password():
    """The password every factory-made user has."""
    return TEST_PASSWORD
