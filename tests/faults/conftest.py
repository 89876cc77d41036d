"""Fixtures of the fault tests: a migrated database of their own, the stack on it, a report.

Each test empties that database afterwards; Redis and the SMTP server are new for each test.
The figures each scenario reports are printed at the end of the run (``fault reports``).
"""

import os

import pytest
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from tests.conftest import empty_database
from tests.databases import scratch_database
from tests.faults.stack import SmtpServer, Stack

_REPORTS = pytest.StashKey[list]()


def database_kind() -> str:
    return "PostgreSQL" if os.environ.get("PORTAL_TEST_DATABASE_URL") else "SQLite"


def migrate(database_url: str) -> None:
    """Bring the database at ``database_url`` to the newest migration."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, environ={})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def fault_database_url(tmp_path_factory):
    """A migrated database for the fault tests, of the kind the suite runs on."""
    configured = os.environ.get("PORTAL_TEST_DATABASE_URL")
    with scratch_database(configured, tmp_path_factory.mktemp("faults"), "faults") as url:
        migrate(url)
        yield url


@pytest.fixture
def smtp_server():
    """An SMTP server on a free loopback port, which a test may stop, start, or make refuse."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stack(fault_database_url, tmp_path, redis_server, smtp_server):
    """The stack (not yet started) on the fault tests' database, emptied afterwards."""
    stack = Stack(fault_database_url, tmp_path, redis_server, smtp_server)
    try:
        yield stack
    finally:
        smtp_server.mailbox.release()  # a test that failed may have left a message held
        stack.stop()
        stack.print_outputs()  # shown when the test failed
        empty_database(stack.app)


@pytest.fixture
def fault_report(request):
    """Record a scenario's figures (``report(title, **figures)``) for the run's summary."""

    def report(title: str, **figures) -> None:
        line = ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in figures.items())
        request.config.stash.setdefault(_REPORTS, []).append(f"{database_kind()} · {title}: {line}")

    return report


def pytest_terminal_summary(terminalreporter, config):
    reports = config.stash.get(_REPORTS, [])
    if reports:
        terminalreporter.section("fault reports")
        for line in reports:
            terminalreporter.write_line(line)
