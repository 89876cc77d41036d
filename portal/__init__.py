"""Portal: an agency's client-collaboration portal."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import access, assets, compression, errors, forms, jobs, logs, security, templating
from portal.auth import timeouts
from portal.config import load_config
from portal.extensions import csrf, db, htmx, limiter, login_manager, migrate
from portal.models.types import render_migration_item
from portal.routing import IdConverter
from portal.view_as import mode as view_as

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None, environ=None) -> Flask:
    """Build the app from the environment, then ``overrides``; no queries, no network."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(load_config(app.instance_path, environ))
    app.config.update(overrides or {})
    app.url_map.converters["int"] = IdConverter
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1)

    compression.init_app(app)  # first: its after_request hook runs last, on the final answer
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_item=render_migration_item)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    timeouts.init_app(app)

    logs.init_app(app)
    security.init_app(app)
    forms.init_app(app)
    errors.init_app(app)
    jobs.init_app(app)
    templating.init_app(app)
    assets.init_app(app)
    access.init_app(app)
    view_as.init_app(app)
    _register_blueprints(app)
    _register_cli(app)
    _run_periodic_work(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from portal.account.views import bp as account_bp
    from portal.account.views import unsubscribe_bp
    from portal.admin.views import bp as admin_bp
    from portal.auth.views import bp as auth_bp
    from portal.clients.views import bp as clients_bp
    from portal.drafts.views import bp as drafts_bp
    from portal.guests.views import bp as guests_bp
    from portal.health.views import bp as health_bp
    from portal.home.views import bp as home_bp
    from portal.inbox.views import bp as inbox_bp
    from portal.invitations.views import bp as invitations_bp
    from portal.reminders.views import bp as reminders_bp
    from portal.search.views import bp as search_bp
    from portal.threads.views import bp as threads_bp
    from portal.view_as.views import bp as view_as_bp

    for blueprint in (
        account_bp,
        admin_bp,
        auth_bp,
        clients_bp,
        drafts_bp,
        guests_bp,
        health_bp,
        home_bp,
        inbox_bp,
        invitations_bp,
        reminders_bp,
        search_bp,
        threads_bp,
        unsubscribe_bp,
        view_as_bp,
    ):
        app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from portal.cli import portal_cli
    from portal.jobs.cli import jobs_cli
    from portal.mail.cli import mail_cli

    app.cli.add_command(portal_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(mail_cli)


def _run_periodic_work(app: Flask) -> None:
    from portal.jobs import ticker

    ticker.init_app(app)
