"""Counting the SQL statements a request issues, for query budgets."""

from contextlib import contextmanager

from sqlalchemy import event

from portal.extensions import db
from tests.access.consistency import CHECK_OPTION


@contextmanager
def count_statements(app):
    """Collect every SQL statement the app sends to the database inside the ``with`` block
    (but the access consistency check's own)."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not context.execution_options.get(CHECK_OPTION):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)


def statements_for(app, browser, url) -> list[str]:
    """The statements one GET of ``url`` issues (after a warm-up GET), checking it worked."""
    assert browser.get(url).status_code == 200
    with count_statements(app) as statements:
        response = browser.get(url)
    assert response.status_code == 200
    return statements


def describe(statements) -> str:
    """The statements, readable in an assertion message."""
    return "\n\n".join(statements)
