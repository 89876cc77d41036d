"""Every person has an @handle of their own: two addresses with the same local part no longer
share one, and a mention reaches exactly the person named, if they can read it (issue 12,
defect 13)."""

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from portal import create_app
from portal.extensions import db
from portal.models import ClientRole, Mention, StaffRole, User
from tests.databases import scratch_database
from tests.drafts.helpers import comment_fields, rows, text_of
from tests.factories import assign, make_client_user, make_staff

BEFORE_HANDLES = "c5e9a1f3b7d2"


@pytest.fixture
def two_jos(app, account):
    """Jo the strategist on Northwind's team and Jo the reviewer at Northwind."""
    with app.app_context():
        agency_jo = make_staff(StaffRole.STRATEGIST, name="Jo Agency", email="jo@agency.test")
        assign(account.client, agency_jo)
        client_jo = make_client_user(
            account.client, ClientRole.MEMBER, name="Jo Client", email="Jo@northwind.test"
        )
        return agency_jo, client_jo


def mentioned(app, response) -> set[int]:
    assert response.status_code == 302, text_of(response)
    return {m.user_id for m in rows(app, Mention)}


def test_two_people_with_the_same_local_part_have_distinct_handles(two_jos):
    agency_jo, client_jo = two_jos
    assert agency_jo.handle == "jo"
    assert client_jo.handle == "jo2"


def test_a_mention_reaches_only_the_person_whose_handle_it_is(
    app, account, thread, writer, two_jos
):
    agency_jo, client_jo = two_jos
    post = writer.post(
        account.thread_url(thread, "/comments"), data=comment_fields(f"@{client_jo.handle} ok?")
    )
    assert mentioned(app, post) == {client_jo.id}

    again = writer.post(account.thread_url(thread, "/comments"), data=comment_fields("@jo ok?"))
    assert mentioned(app, again) == {client_jo.id, agency_jo.id}


def test_a_mention_never_reaches_someone_who_cant_read_it(app, account, thread, writer, two_jos):
    _, client_jo = two_jos
    note = writer.post(
        account.thread_url(thread, "/comments"),
        data=comment_fields(f"@{client_jo.handle} between us", internal="y"),
    )
    other_client = writer.post(
        account.thread_url(thread, "/comments"),
        data=comment_fields(f"@{account.other_reviewer.handle} hello"),
    )
    assert mentioned(app, note) == set()
    assert mentioned(app, other_client) == set()


def test_handles_avoid_roles_and_keep_to_what_a_mention_can_spell(app):
    with app.app_context():
        people = [
            make_staff(email="copywriter@agency.test"),
            make_staff(email="Zoë.O'Neil+news@agency.test"),
            make_staff(email="zoe.oneil@elsewhere.test"),
            make_staff(email="+++@agency.test"),
        ]
        assert [person.handle for person in people] == [
            "copywriter2",
            "zoe.oneil",
            "zoe.oneil2",
            "person",
        ]


def test_the_migration_gives_people_who_shared_a_local_part_distinct_handles(tmp_path):
    with scratch_database(os.environ.get("PORTAL_TEST_DATABASE_URL"), tmp_path, "handles") as url:
        fresh = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 32}, environ={})
        with fresh.app_context():
            upgrade(revision=BEFORE_HANDLES)
            for email in ("jo@agency.test", "jo@northwind.test", "designer@agency.test"):
                db.session.execute(
                    text(
                        "INSERT INTO users (email, name, password_hash, kind, role, timezone,"
                        " active, session_version, created_at, email_frequency, digest_hour,"
                        " digest_weekday) VALUES (:email, 'Jo', 'x', 'staff', 'strategist',"
                        " 'UTC', true, 1, CURRENT_TIMESTAMP, 'daily', 8, 0)"
                    ),
                    {"email": email},
                )
            db.session.commit()
            upgrade()
            handles = db.session.execute(select(User.email, User.handle).order_by(User.id)).all()
            db.session.remove()
            db.engine.dispose()
    assert [tuple(row) for row in handles] == [
        ("jo@agency.test", "jo"),
        ("jo@northwind.test", "jo2"),
        ("designer@agency.test", "designer2"),
    ]
