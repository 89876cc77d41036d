"""Settings come from the environment, with safe defaults only in the embedded mode."""

import pytest
from sqlalchemy import text

from portal.config import ConfigError, configuration_problems, load_config
from portal.extensions import db


def test_the_embedded_mode_needs_nothing_set(tmp_path):
    config = load_config(str(tmp_path), environ={})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.db'}"
    assert config["REDIS_URL"] is None
    assert config["MAIL_SERVER"] is None
    assert not config["SESSION_COOKIE_SECURE"]


def test_the_embedded_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_config(str(tmp_path), environ={})["SECRET_KEY"]
    assert len(first) >= 32
    assert load_config(str(tmp_path), environ={})["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "environ",
    [
        {"PORTAL_ENV": "production"},
        {"DATABASE_URL": "postgresql://portal@db.example/portal"},
    ],
)
def test_a_secret_key_is_required_outside_the_embedded_mode(tmp_path, environ):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path), environ=environ)
    assert not (tmp_path / "secret_key").exists()


def test_postgresql_urls_use_psycopg_3(tmp_path):
    config = load_config(
        str(tmp_path), environ={"DATABASE_URL": "postgres://u@h/d", "SECRET_KEY": "k" * 32}
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/d"


def test_postgresql_connections_run_without_jit(app):
    """JIT compiled the health job's plan for 0.3 s; the embedded SQLite has no such thing."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a PostgreSQL setting")
        assert db.session.scalar(text("SHOW jit")) == "off"


@pytest.mark.parametrize(
    "environ", [{"PORTAL_ENV": "staging"}, {"MAX_UPLOAD_MB": "lots"}, {"MAIL_PORT": "x"}]
)
def test_malformed_settings_are_refused_with_their_name(tmp_path, environ):
    with pytest.raises(ConfigError) as error:
        load_config(str(tmp_path), environ=environ)
    assert next(iter(environ)) in str(error.value)


def test_production_problems_are_reported(tmp_path):
    config = load_config(str(tmp_path), environ={"PORTAL_ENV": "production", "SECRET_KEY": "short"})
    problems = " ".join(configuration_problems(config))
    for setting in ("DATABASE_URL", "REDIS_URL", "MAIL_SERVER", "SECRET_KEY", "PUBLIC_URL"):
        assert setting in problems


def test_a_sound_production_config_has_no_problems(tmp_path):
    config = load_config(
        str(tmp_path),
        environ={
            "PORTAL_ENV": "production",
            "SECRET_KEY": "k" * 64,
            "DATABASE_URL": "postgresql://portal@db/portal",
            "REDIS_URL": "redis://cache:6379/0",
            "MAIL_SERVER": "smtp.example",
            "PUBLIC_URL": "https://portal.example",
        },
    )
    assert configuration_problems(config) == []


def test_max_content_length_is_set(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 25 * 1024 * 1024
