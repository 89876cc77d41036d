"""Friendly error pages, and no request that only reads ever writes."""

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from tests.access.test_matrix import ROUTES
from tests.factories import sign_in


@pytest.fixture
def failing_app(database_url):
    """A separate app with one route that fails, to see the 500 page."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "k" * 32, "PORTAL_ENV": "testing"},
        environ={},
    )

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    return app


def test_an_unexpected_error_shows_a_friendly_page_without_details(failing_app):
    response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "kaboom" not in response.text
    assert "Traceback" not in response.text


def test_api_clients_get_json_errors(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"] == "Not found"


def test_a_client_user_gets_a_friendly_403(client, world):
    sign_in(client, world.person("client_member_a"))
    response = client.get("/admin/clients")
    assert response.status_code == 403
    assert "permission to do that" in response.text


def row_counts():
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@pytest.mark.parametrize("persona", ["anonymous", "client_admin_a", "maker_on_a", "admin"])
def test_no_get_request_changes_anything(app, client, world, persona):
    if world.person(persona):
        sign_in(client, world.person(persona))
    with app.app_context():
        before = row_counts()
    for (_endpoint, method), (url, _expected) in ROUTES.items():
        if method == "GET":
            client.get(url.format(w=world))
    with app.app_context():
        assert row_counts() == before


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_htmx_is_vendored_with_its_licence(app):
    from pathlib import Path

    vendor = Path(app.static_folder) / "vendor" / "htmx"
    assert (vendor / "htmx-2.0.11.min.js").stat().st_size > 10_000
    assert "Zero-Clause BSD" in (vendor / "LICENSE").read_text()
