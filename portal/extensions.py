"""Every Flask extension, created unbound; ``create_app`` binds them. Also how SQLite connects."""

from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

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


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL and a busy timeout let web and worker processes share the embedded database."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


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
