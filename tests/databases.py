"""Empty databases for tests, of the kind the suite runs on."""

import os
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal.config import normalise_database_url


@contextmanager
def scratch_database(configured_url: str | None, sqlite_dir: Path, purpose: str):
    """Yield the URL of a new empty database, dropped afterwards.

    Without ``configured_url`` it is a SQLite file in ``sqlite_dir``. On PostgreSQL the
    configured database is only used to create one of this process's own, so parallel runs
    never share tables.
    """
    if not configured_url:
        yield f"sqlite:///{sqlite_dir / f'{purpose}.db'}"
        return
    url = make_url(normalise_database_url(configured_url))
    name = f"{url.database}_{purpose}_{os.getpid()}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
