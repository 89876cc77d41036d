"""Every Flask extension, created unbound; ``create_app`` binds them. Also how SQLite connects
and begins its transactions."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import has_request_context, request
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraints get the same names on SQLite and PostgreSQL."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
# create_app passes render_item: it knows the models' column types, and the models import db.
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


# Requests that change nothing (RFC 9110's safe methods): their transactions only read.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# An execution option: whether this connection's transactions take SQLite's write lock as
# they begin (True) or not (False), whatever the request's method.
WRITE_LOCK_OPTION = "portal_write_lock"
# Kept in a SQLite connection's info: whether its open transaction began with the write lock.
_BEGAN_WITH_WRITE_LOCK = "portal_began_with_write_lock"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL and a busy timeout let web and worker processes share the embedded database.
    sqlite3 emits no BEGIN of its own: ``_sqlite_begin`` does."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    dbapi_connection.isolation_level = None


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    """Begin each SQLite transaction ourselves (SQLAlchemy's recipe for sqlite3, which
    otherwise begins only before a write), choosing when it takes the write lock.

    A transaction that has read and then writes must already hold the write lock: if another
    process committed since it began reading, SQLite refuses its first write at once with
    "database is locked" (SQLITE_BUSY_SNAPSHOT), which the busy timeout does not wait out.
    So BEGIN IMMEDIATE, which waits up to the busy timeout for the lock, for requests that
    may change something (POST, PUT, PATCH, DELETE) and for all work outside a request (jobs,
    commands, the embedded ticker); a deferred BEGIN for GET and HEAD, so that readers in
    every process run side by side. A read that must write anyway uses ``write_while_reading``;
    work outside a request that only reads may say so with ``read_only_transaction``.
    """
    if connection.dialect.name != "sqlite":
        return
    immediate = connection.get_execution_options().get(WRITE_LOCK_OPTION)
    if immediate is None:
        immediate = not (has_request_context() and request.method in READING_METHODS)
    connection.info[_BEGAN_WITH_WRITE_LOCK] = immediate
    # Straight to the driver, as SQLAlchemy's own BEGIN goes on other databases: not a
    # statement of the application's (query budgets count those).
    connection.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


def read_only_transaction() -> None:
    """Begin the session's transaction without SQLite's write lock, outside a request too,
    for work that only reads: it never waits for a writer, nor makes one wait. Call it before
    the session's first statement; a write in that transaction may fail (``_sqlite_begin``)."""
    db.session.connection(execution_options={WRITE_LOCK_OPTION: False})


@contextmanager
def write_while_reading() -> Iterator[Session | Connection]:
    """Where a request that reads (a GET) makes a small write, such as marking what was seen:
    yields something to ``execute`` the write on.

    On SQLite, when the session's transaction began deferred, that is a connection of its own
    in a transaction begun with the write lock, committed as the block ends; upgrading the
    session's read transaction could fail under concurrent writers (see ``_sqlite_begin``).
    The session's own reads don't see the write. Otherwise (PostgreSQL, or a transaction
    that holds the write lock already) it is the session, committed with the rest.
    """
    if not db.session.connection().info.get(_BEGAN_WITH_WRITE_LOCK, True):
        with db.engine.execution_options(**{WRITE_LOCK_OPTION: True}).begin() as connection:
            yield connection
    else:
        yield db.session


def refresh_planner_statistics() -> None:
    """On SQLite, refresh the query planner's statistics (PostgreSQL's autovacuum does this
    on its own). Without them SQLite picks among indexes by their shape alone, and picked
    a health index over the small waiting-comment one for the inbox: 8 ms became 75 ms.
    A full ANALYZE (1.6 s on 2 million comments): sampled statistics (``analysis_limit``)
    misjudged the partial indexes at that size and sent the inbox's count to a scan."""
    if db.engine.dialect.name == "sqlite":
        db.session.connection().exec_driver_sql("ANALYZE")


@event.listens_for(Engine, "do_connect")
def _postgresql_without_jit(dialect, connection_record, cargs, cparams):
    """PostgreSQL compiles with JIT any plan it estimates costly: 0.3 s more for the health
    job's comment query, never won back by queries that run in milliseconds."""
    if dialect.name == "postgresql":
        cparams["options"] = " ".join(filter(None, (cparams.get("options"), "-c jit=off")))
