"""Settings from the environment, read in one place when the app is created.

The embedded mode (no ``DATABASE_URL``, ``PORTAL_ENV`` unset or ``development``) needs nothing
set: SQLite under ``instance/``, jobs inline, mail to the outbox and the log, and a secret key
generated once into ``instance/``. Anywhere else ``SECRET_KEY`` must be given.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """The environment does not describe a runnable portal."""


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver SQLAlchemy should use."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_key(environ, instance_path: Path, embedded: bool) -> str:
    if environ.get("SECRET_KEY"):
        return environ["SECRET_KEY"]
    if not embedded:
        raise ConfigError("SECRET_KEY must be set outside the embedded (SQLite) mode.")
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _int(environ, name: str, default: int) -> int:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from exc


def load_config(instance_path: str, environ=None) -> dict:
    """Build the Flask config dict from ``environ`` (default: ``os.environ``).

    Raises ConfigError when a required setting is missing or malformed.
    """
    environ = os.environ if environ is None else environ
    instance = Path(instance_path)
    env = environ.get("PORTAL_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")
    production = env == "production"

    database_url = environ.get("DATABASE_URL") or f"sqlite:///{instance / 'portal.db'}"
    database_url = normalise_database_url(database_url)
    embedded = database_url.startswith("sqlite") and not production
    redis_url = environ.get("REDIS_URL") or None

    return {
        "PORTAL_ENV": env,
        "TESTING": env == "testing",
        "SECRET_KEY": _secret_key(environ, instance, embedded),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        # How long to wait for Redis to take a connection, and then for each answer, before
        # giving up: a request's jobs are then left to the sweeps. (rq's worker waits longer
        # for its blocking dequeue on its own.)
        "REDIS_CONNECT_TIMEOUT_SECONDS": _int(environ, "REDIS_CONNECT_TIMEOUT_SECONDS", 2),
        "REDIS_TIMEOUT_SECONDS": _int(environ, "REDIS_TIMEOUT_SECONDS", 2),
        "MAX_CONTENT_LENGTH": _int(environ, "MAX_UPLOAD_MB", 25) * 1024 * 1024,
        "UPLOAD_DIR": environ.get("UPLOAD_DIR") or str(instance / "uploads"),
        "PUBLIC_URL": (environ.get("PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/"),
        # Sessions and cookies.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        # How long a session lasts (portal.auth.timeouts): with "keep me signed in", this long
        # from the sign-in; without, until this long without a request, or this long in all.
        "REMEMBER_COOKIE_DURATION": timedelta(days=_int(environ, "SESSION_KEPT_DAYS", 14)),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=_int(environ, "SESSION_IDLE_MINUTES", 60)),
        "SESSION_LIFETIME": timedelta(hours=_int(environ, "SESSION_LIFETIME_HOURS", 12)),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "HSTS_ENABLED": production,
        # Flask-WTF reads the token from this header on htmx requests.
        "WTF_CSRF_HEADERS": ["X-CSRFToken"],
        "WTF_CSRF_TIME_LIMIT": None,
        # Rate limits (Flask-Limiter); shared across processes through Redis when configured.
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_PER_ADDRESS": environ.get("RATELIMIT_PER_ADDRESS", "20 per minute"),
        "RATELIMIT_PER_ACCOUNT": environ.get("RATELIMIT_PER_ACCOUNT", "5 per minute"),
        "RATELIMIT_PER_ACCOUNT_ANYWHERE": environ.get(
            "RATELIMIT_PER_ACCOUNT_ANYWHERE", "30 per hour"
        ),
        # Argon2id cost (OWASP: m ≥ 19 MiB, t ≥ 2); the test suite lowers it for speed.
        "ARGON2_TIME_COST": _int(environ, "ARGON2_TIME_COST", 3),
        "ARGON2_MEMORY_KIB": _int(environ, "ARGON2_MEMORY_KIB", 65536),
        "INVITATION_TTL": timedelta(days=_int(environ, "INVITATION_TTL_DAYS", 7)),
        "PASSWORD_RESET_TTL": timedelta(hours=_int(environ, "PASSWORD_RESET_TTL_HOURS", 2)),
        # A guest reviewer's link (portal.guests) works this long, unless revoked sooner.
        "GUEST_LINK_TTL": timedelta(days=_int(environ, "GUEST_LINK_TTL_DAYS", 30)),
        # An unsubscribe link in an e-mail works this long (and until preferences change).
        "UNSUBSCRIBE_TOKEN_MAX_AGE": timedelta(
            days=_int(environ, "UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS", 60)
        ),
        # Mail: without MAIL_SERVER messages stay in the outbox and go to the log.
        "MAIL_SERVER": environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int(environ, "MAIL_PORT", 25),
        "MAIL_USERNAME": environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes"),
        "MAIL_FROM": environ.get("MAIL_FROM", "Portal <portal@localhost>"),
        # Reply by e-mail (portal.mail.inbound): the domain of the reply+<token>@ addresses
        # (default: PUBLIC_URL's host), where `flask mail inbound` listens, the largest
        # message it takes, and how many polite refusals one person gets an hour.
        "REPLY_DOMAIN": environ.get("REPLY_DOMAIN") or None,
        "INBOUND_HOST": environ.get("INBOUND_HOST", "127.0.0.1"),
        "INBOUND_PORT": _int(environ, "INBOUND_PORT", 2525),
        "INBOUND_MAX_BYTES": _int(environ, "INBOUND_MAX_MB", 10) * 1024 * 1024,
        "REPLY_REFUSALS_PER_HOUR": _int(environ, "REPLY_REFUSALS_PER_HOUR", 5),
        "PROXY_FIX_X_FOR": _int(environ, "PROXY_FIX_X_FOR", 0),
        # Comments wait this long before a notification, so a burst makes one e-mail.
        "NOTIFY_DELAY_SECONDS": _int(environ, "NOTIFY_DELAY_SECONDS", 180),
        # A pending e-mail not delivered by then is re-enqueued by the outbox sweep.
        "OUTBOX_GRACE_SECONDS": _int(environ, "OUTBOX_GRACE_SECONDS", 120),
        # Sent e-mail keeps its envelope but not its body for longer than this.
        "EMAIL_BODY_RETENTION_DAYS": _int(environ, "EMAIL_BODY_RETENTION_DAYS", 30),
    }


def is_embedded(config) -> bool:
    """Whether the portal runs in the embedded mode: no ``REDIS_URL`` outside production, so
    jobs run in the web process, which also runs the periodic work (``portal.jobs.ticker``),
    and e-mailed links that carry a secret are shown in full in the outbox and the log.

    The one place that decides it; everything that behaves differently there asks here.
    """
    return not config["REDIS_URL"] and config["PORTAL_ENV"] != "production"


def configuration_problems(config) -> list[str]:
    """Describe what in a loaded config would hurt a production deployment."""
    problems = []
    if config["PORTAL_ENV"] == "production":
        if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            problems.append("DATABASE_URL should point at PostgreSQL in production.")
        if not config["REDIS_URL"]:
            problems.append("REDIS_URL is unset: jobs run inline in the web process.")
        if not config["MAIL_SERVER"]:
            problems.append("MAIL_SERVER is unset: e-mail stays in the outbox.")
        if len(config["SECRET_KEY"]) < 32:
            problems.append("SECRET_KEY is shorter than 32 characters.")
        if not config["PUBLIC_URL"].startswith("https://"):
            problems.append("PUBLIC_URL should be an https:// address.")
    if config["ARGON2_MEMORY_KIB"] < 19456 and config["PORTAL_ENV"] != "testing":
        problems.append("ARGON2_MEMORY_KIB is below OWASP's minimum of 19456.")
    return problems
