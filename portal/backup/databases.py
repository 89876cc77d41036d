"""The database's part of a backup: a snapshot taken while the portal runs, and the way back.

SQLite is copied by Python's online backup API; PostgreSQL is dumped by ``pg_dump`` and
restored by ``pg_restore``, of the server's major version (``portal.backup`` says why either
is consistent). Both read from the snapshot itself its Alembic revision and the files its
versions refer to.
"""

import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from portal.backup.archive import DATABASE_MEMBERS, BackupError
from portal.extensions import db

DATABASE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
REFERENCED_FILES_SQL = "SELECT file_hash, thumbnail_hash FROM versions WHERE file_hash IS NOT NULL"


def database_kind() -> str:
    """ "sqlite" or "postgresql": the configured database's kind; raises BackupError else."""
    kind = db.engine.dialect.name
    if kind not in DATABASE_MEMBERS:
        raise BackupError(f"Backups work on SQLite and PostgreSQL, not {kind}.")
    return kind


def copy_sqlite(snapshot: Path) -> tuple[str | None, set[str]]:
    """Copy the SQLite database to ``snapshot`` in one step; its revision and referred files."""
    source_path = _sqlite_path()
    if not source_path.is_file():
        raise BackupError(f"There is no database at {source_path}.")
    with (
        closing(sqlite3.connect(source_path, timeout=30)) as source,
        closing(sqlite3.connect(snapshot)) as copy,
    ):
        source.backup(copy)  # pages=-1: all in one step, one read transaction
        return _snapshot_facts(lambda sql: copy.execute(sql).fetchall())


def dump_postgresql(snapshot: Path) -> tuple[str | None, set[str]]:
    """``pg_dump`` the snapshot of a transaction held open meanwhile; its revision and
    referred files, read in that transaction."""
    connection = db.engine.connect().execution_options(
        isolation_level="REPEATABLE READ", postgresql_readonly=True
    )
    with connection, connection.begin():
        exported = connection.scalar(text("SELECT pg_export_snapshot()"))
        server_major = int(connection.scalar(text("SHOW server_version_num"))) // 10000
        facts = _snapshot_facts(lambda sql: connection.execute(text(sql)).all())
        target, environment = _libpq_target()
        _run(
            [
                postgresql_tool("pg_dump", server_major),
                "--format=custom",
                f"--snapshot={exported}",
                f"--file={snapshot}",
                f"--dbname={target}",
            ],
            environment,
        )
    return facts


def _snapshot_facts(query) -> tuple[str | None, set[str]]:
    """The Alembic revision and the names of the files the versions refer to (``query``
    runs SQL on the snapshot)."""
    try:
        revision = query("SELECT version_num FROM alembic_version")
        rows = query(REFERENCED_FILES_SQL)
    except (sqlite3.Error, SQLAlchemyError) as error:
        raise BackupError(
            "The database has no portal tables yet (run flask db upgrade first)."
        ) from error
    referenced = {name for row in rows for name in row if name}
    return (revision[0][0] if revision else None), referenced


def restore_sqlite(snapshot: Path) -> None:
    target = _sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(snapshot)) as copy,
        closing(sqlite3.connect(target, timeout=30)) as database,
    ):
        copy.backup(database)  # replaces the whole database


def restore_postgresql(snapshot: Path, force: bool) -> None:
    if force:
        tables = inspect(db.engine).get_table_names()
        if tables:
            with db.engine.begin() as connection:
                quoted = ", ".join(f'"{name}"' for name in tables)
                connection.execute(text(f"DROP TABLE IF EXISTS {quoted} CASCADE"))
    with db.engine.connect() as connection:
        server_major = int(connection.scalar(text("SHOW server_version_num"))) // 10000
    target, environment = _libpq_target()
    _run(
        [
            postgresql_tool("pg_restore", server_major),
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={target}",
            str(snapshot),
        ],
        environment,
    )


def postgresql_tool(name: str, server_major: int) -> str:
    """The path of ``pg_dump`` or ``pg_restore`` able to work with a server of major version
    ``server_major``: the one of that version if installed (Debian's layout), else the one on
    the PATH if it is as new. Raises BackupError if there is none."""
    candidates = [Path(f"/usr/lib/postgresql/{server_major}/bin/{name}"), shutil.which(name)]
    found = []
    for candidate in filter(None, candidates):
        try:
            version = subprocess.run(
                [str(candidate), "--version"], capture_output=True, text=True, check=True
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            continue
        major = re.search(r"(\d+)(?:\.\d+)*", version)
        if major and int(major.group(1)) >= server_major:
            return str(candidate)
        found.append(version.strip())
    raise BackupError(
        f"No {name} for PostgreSQL {server_major} was found"
        + (f" (only {', '.join(found)})" if found else "")
        + f": install postgresql-client-{server_major}."
    )


def _libpq_target() -> tuple[str, dict]:
    """The database's address for libpq tools, and their environment (the password travels
    there rather than on a command line anyone on the machine can read)."""
    url = db.engine.url
    environment = dict(os.environ, PGAPPNAME="portal-backup")
    if url.password:
        environment["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


def _run(command: list[str], environment: dict) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        tool = Path(command[0]).name
        raise BackupError(f"{tool} failed: {result.stderr.strip()[-2000:]}")


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database can't be backed up or restored.")
    return Path(database)
