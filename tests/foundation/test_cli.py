"""The ``flask portal`` commands."""

from sqlalchemy import func, select

from portal.demo import DEMO_PASSWORD, demo_logins
from portal.extensions import db
from portal.models import Assignment, Client, Project, StaffRole, User
from tests.factories import TEST_PASSWORD


def test_create_admin_makes_an_admin_who_can_sign_in(app, client):
    result = app.test_cli_runner().invoke(
        args=[
            "portal",
            "create-admin",
            "--email",
            "Boss@Agency.test",
            "--name",
            "Boss",
            "--password",
            TEST_PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "boss@agency.test"))
        assert admin.role == StaffRole.ADMIN
    response = client.post("/login", data={"email": "boss@agency.test", "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_create_admin_refuses_a_short_password_and_a_taken_address(app):
    runner = app.test_cli_runner()
    short = runner.invoke(
        args=["portal", "create-admin", "--email", "a@b.test", "--name", "A", "--password", "x"]
    )
    assert short.exit_code != 0
    assert "at least 10 characters" in short.output
    args = [
        "portal",
        "create-admin",
        "--email",
        "a@b.test",
        "--name",
        "A",
        "--password",
        TEST_PASSWORD,
    ]
    assert runner.invoke(args=args).exit_code == 0
    taken = runner.invoke(args=args)
    assert taken.exit_code != 0
    assert "already has an account" in taken.output


def test_load_demo_seeds_a_believable_agency_once_and_prints_logins(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["portal", "load-demo"])
    assert first.exit_code == 0, first.output
    assert DEMO_PASSWORD in first.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Client)) >= 3
        roles = set(db.session.scalars(select(User.role)))
        assert set(StaffRole) <= roles
        assert db.session.scalar(select(func.count()).select_from(Project)) >= 6
        managers = db.session.scalar(
            select(func.count()).where(Assignment.is_account_manager.is_(True))
        )
        assert managers >= 3
        users_before = db.session.scalar(select(func.count()).select_from(User))

    second = runner.invoke(args=["portal", "load-demo"])
    assert "already loaded" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == users_before

    for _description, email in demo_logins():
        assert email in first.output
        browser = app.test_client()
        response = browser.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert browser.get("/", follow_redirects=True).status_code == 200


def test_check_config_passes_for_the_test_app(app):
    result = app.test_cli_runner().invoke(args=["portal", "check-config"])
    assert result.exit_code == 0, result.output
    assert "No problems found." in result.output


def test_check_config_reports_where_replies_by_e_mail_are_received(app, monkeypatch):
    monkeypatch.setitem(app.config, "REPLY_DOMAIN", "replies.agency.test")
    monkeypatch.setitem(app.config, "INBOUND_PORT", 2626)
    monkeypatch.setitem(app.config, "INBOUND_MAX_BYTES", 3 * 1024 * 1024)
    result = app.test_cli_runner().invoke(args=["portal", "check-config"])
    assert result.exit_code == 0, result.output
    assert "replies:     reply+…@replies.agency.test, received on 127.0.0.1:2626, up to 3 MB" in (
        result.output
    )
