"""Counting the SQL statements a request issues and the rows it reads, for query budgets."""

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


@contextmanager
def count_rows(app):
    """Collect, for every SELECT the app sends inside the ``with`` block (but the access
    consistency check's), how many rows it answers: a list of (rows, statement).

    PostgreSQL's cursor knows (it fetches the whole answer); SQLite's can't tell before the
    rows are fetched, so the same question is asked once more, counted."""
    counted = []

    def record(conn, cursor, statement, parameters, context, executemany):
        is_query = statement.split(None, 1)[0].upper() in ("SELECT", "WITH")
        if not is_query or context.execution_options.get(CHECK_OPTION):
            return
        rows = cursor.rowcount
        if rows < 0:
            counter = cursor.connection.cursor()
            try:
                counter.execute(f"SELECT count(*) FROM ({statement}) AS answer", parameters)
                rows = counter.fetchone()[0]
            finally:
                counter.close()
        counted.append((rows, statement))

    with app.app_context():
        engine = db.engine
        event.listen(engine, "after_cursor_execute", record)
        try:
            yield counted
        finally:
            event.remove(engine, "after_cursor_execute", record)


def rows_for(app, browser, url) -> int:
    """How many rows one GET of ``url`` reads from the database (after a warm-up GET)."""
    assert browser.get(url).status_code == 200
    with count_rows(app) as counted:
        response = browser.get(url)
    assert response.status_code == 200
    return sum(rows for rows, _ in counted)


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
