"""The reviewers migration gives every existing draft today's behaviour: rule "any", and its
client's active users as reviewers."""

import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal import create_app
from portal.extensions import db
from tests.databases import scratch_database

BEFORE, REVIEWERS = "a4c2e8f61b37", "b7f3c2d9e1a5"

# Two clients; Alpha has two active users, a deactivated one and a draft; staff make it.
ROWS = [
    "INSERT INTO clients (id, name, slug, created_at) VALUES"
    " (1, 'Alpha', 'alpha', '2026-01-01'), (2, 'Beta', 'beta', '2026-01-01')",
    "INSERT INTO users (id, email, name, password_hash, kind, role, client_id, timezone,"
    " active, session_version, created_at, email_frequency, digest_hour, digest_weekday) VALUES"
    " (1, 's@a.test', 'Staff', '-', 'staff', 'copywriter', NULL, 'UTC', :yes, 1, '2026-01-01',"
    "  'daily', 8, 0),"
    " (2, 'a1@a.test', 'Ann', '-', 'client', 'client_admin', 1, 'UTC', :yes, 1, '2026-01-01',"
    "  'daily', 8, 0),"
    " (3, 'a2@a.test', 'Ben', '-', 'client', 'client_member', 1, 'UTC', :yes, 1, '2026-01-01',"
    "  'daily', 8, 0),"
    " (4, 'a3@a.test', 'Cat', '-', 'client', 'client_member', 1, 'UTC', :no, 1, '2026-01-01',"
    "  'daily', 8, 0),"
    " (5, 'b1@b.test', 'Bea', '-', 'client', 'client_admin', 2, 'UTC', :yes, 1, '2026-01-01',"
    "  'daily', 8, 0)",
    "INSERT INTO projects (id, client_id, name, brief, goals, created_at) VALUES"
    " (1, 1, 'Launch', '', '', '2026-01-01')",
    "INSERT INTO drafts (id, client_id, project_id, title, kind, maker_id, created_at) VALUES"
    " (1, 1, 1, 'Tagline', 'copy', 1, '2026-01-02')",
    "INSERT INTO versions (id, draft_id, client_id, number, body, note, author_id, created_at)"
    " VALUES (1, 1, 1, 1, 'Copy.', '', 1, '2026-01-03')",
]


@pytest.fixture
def migrated_app(tmp_path):
    """An app on a new database migrated up to just before the reviewers."""
    with scratch_database(os.environ.get("PORTAL_TEST_DATABASE_URL"), tmp_path, "reviewers") as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 32}, environ={})
        with app.app_context():
            upgrade(revision=BEFORE)
            yield app
            db.session.remove()
            db.engine.dispose()


def test_existing_drafts_get_rule_any_and_their_clients_active_users(migrated_app):
    with db.engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement), {"yes": True, "no": False})

    upgrade(revision=REVIEWERS)

    with db.engine.connect() as connection:
        reviewers = connection.execute(
            text("SELECT draft_id, user_id FROM draft_reviewers ORDER BY user_id")
        ).all()
        drafts = connection.execute(
            text("SELECT approval_rule, final_approver_id FROM drafts")
        ).all()
        clients = connection.execute(text("SELECT approval_rule FROM clients")).all()
        versions = connection.execute(text("SELECT count(*) FROM versions")).scalar()
    assert [tuple(row) for row in reviewers] == [(1, 2), (1, 3)]
    assert [tuple(row) for row in drafts] == [("any", None)]
    assert [row[0] for row in clients] == ["any", "any"]
    assert versions == 1


def test_going_back_keeps_the_drafts_and_their_versions(migrated_app):
    with db.engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement), {"yes": True, "no": False})
    upgrade(revision=REVIEWERS)

    downgrade(revision=BEFORE)

    with db.engine.connect() as connection:
        drafts = connection.execute(text("SELECT title FROM drafts")).scalars().all()
        versions = connection.execute(text("SELECT count(*) FROM versions")).scalar()
    assert (drafts, versions) == (["Tagline"], 1)
