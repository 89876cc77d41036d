"""``flask portal …`` commands: create an admin, load demo data, check the configuration,
back up and restore."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.auth.passwords import hash_password
from portal.auth.services import validate_new_password
from portal.backup import BackupError, head_revision, restore_backup, write_backup
from portal.config import configuration_problems
from portal.demo import DEMO_PASSWORD, demo_data_present, demo_logins, load_demo_data
from portal.errors import InvalidInput
from portal.extensions import db
from portal.jobs import dispatch_ready
from portal.mail.reply_addresses import reply_domain
from portal.models import StaffRole, User, UserKind, fold_email
from portal.validation import display_name_problem, is_email_address

portal_cli = AppGroup("portal", help="Portal administration.")


@portal_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option(help="Read from the prompt when not given.")
def create_admin(email, name, password):
    """Create an agency admin account."""
    try:
        validate_new_password(password, password)
    except InvalidInput as error:
        raise click.BadParameter(error.message, param_hint="password") from error
    if not is_email_address(email):
        raise click.BadParameter(
            "Enter an e-mail address like name@example.com.", param_hint="email"
        )
    name = name.strip()
    problem = display_name_problem(name) if name else "Give the admin a name."
    if problem:
        raise click.BadParameter(problem, param_hint="name")
    email = fold_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise click.ClickException(f"{email} already has an account.")
    db.session.add(
        User(
            email=email,
            name=name,
            password_hash=hash_password(password),
            kind=UserKind.STAFF,
            role=StaffRole.ADMIN,
        )
    )
    db.session.commit()
    click.echo(f"Created admin {email}.")


@portal_cli.command("load-demo")
def load_demo():
    """Load a demo agency (clients, staff of every role, projects) unless already there."""
    if demo_data_present():
        click.echo("Demo data is already loaded.")
    else:
        with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
            load_demo_data()
            db.session.commit()
            dispatch_ready()  # measure the demo files and make their thumbnails now
        click.echo("Demo data loaded.")
    click.echo(f"Sign in at {current_app.config['PUBLIC_URL']}/login as any of:")
    for description, email in demo_logins():
        click.echo(f"  {description:<28} {email}")
    click.echo(f"Every demo account's password is: {DEMO_PASSWORD}")


@portal_cli.command("check-config")
def check_config():
    """Report settings that would hurt a production deployment; exit 1 if there are any."""
    config = current_app.config
    click.echo(f"environment: {config['PORTAL_ENV']}")
    click.echo(f"database:    {db.engine.url.render_as_string(hide_password=True)}")
    click.echo(
        f"jobs:        {'rq on ' + config['REDIS_URL'] if config['REDIS_URL'] else 'inline'}"
    )
    click.echo(f"mail:        {config['MAIL_SERVER'] or 'outbox and log only'}")
    click.echo(
        f"replies:     reply+…@{reply_domain() or '(no REPLY_DOMAIN)'}, received on "
        f"{config['INBOUND_HOST']}:{config['INBOUND_PORT']}, "
        f"up to {config['INBOUND_MAX_BYTES'] // (1024 * 1024)} MB"
    )
    db.session.execute(select(1))
    click.echo("database:    reachable")
    problems = configuration_problems(config)
    for problem in problems:
        click.echo(f"problem:     {problem}", err=True)
    if problems:
        raise SystemExit(1)
    click.echo("No problems found.")


@portal_cli.command("backup")
@click.argument("destination", type=click.Path(path_type=Path))
def backup(destination):
    """Back up the database and the uploads to DESTINATION (a new .tar file, or a folder to
    put one in) while the portal runs. SECRET_KEY is not in it: keep that apart."""
    try:
        summary = write_backup(destination)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Backed up the {summary.database} database (revision {summary.revision}) and "
        f"{summary.files} files ({summary.file_bytes:,} bytes) to {summary.archive}."
    )


@portal_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database or upload folder not empty.")
def restore(source, force):
    """Restore a backup made by `flask portal backup` into an empty database and upload
    folder (stop the portal first)."""
    try:
        summary = restore_backup(source, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Restored the {summary.database} database (revision {summary.revision}) and "
        f"{summary.files} files ({summary.file_bytes:,} bytes) from {summary.archive}."
    )
    if summary.revision != head_revision():
        click.echo("The backup is older than this code: run `flask db upgrade` next.")
