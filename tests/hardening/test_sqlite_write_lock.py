"""SQLite: a transaction that reads and then writes never fails with "database is locked".

In WAL mode a transaction begun deferred reads a snapshot; if another connection commits a
write before it writes, its first write is refused at once (SQLITE_BUSY_SNAPSHOT), and the
busy timeout doesn't wait that out. So requests that may change something, and all work
outside a request, begin with BEGIN IMMEDIATE: the write lock is theirs from the start, and
another writer waits for it (up to the busy timeout) instead of slipping in between. GET
requests begin deferred so that readers never wait; the one write a page view makes, the
draft page's seen mark, goes through ``write_while_reading``.

The other writer here is a connection of its own that doesn't wait (``timeout=0``), so the
interleaving is the same on every run: where IMMEDIATE holds the lock, it is refused rather
than blocked, and tries again once the first has committed.
"""

import sqlite3
from contextlib import closing

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import OperationalError

from portal.drafts import processing
from portal.extensions import db, write_while_reading
from portal.health import snapshots
from portal.models import Client, Comment, DraftKind, HealthSnapshot, utcnow
from tests.drafts.helpers import pdf_bytes
from tests.drafts.test_processing import new_version, processed
from tests.factories import make_client, make_client_user, make_thread, persist


@pytest.fixture
def sqlite_path(app):
    """The suite's SQLite file, with one client in it; skipped on PostgreSQL."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        persist(make_client("Existing"))
        path = db.engine.url.database
        db.session.remove()
    return path


def another_writer_tries(path: str, slug: str) -> bool:
    """Another connection adds a client without waiting for the lock: whether it could."""
    with closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as connection:
        try:
            connection.execute("BEGIN")
            connection.execute(
                "INSERT INTO clients (name, slug, created_at, approval_rule)"
                " VALUES (?, ?, '2026-01-01', 'any')",
                (slug, slug),
            )
            connection.execute("COMMIT")
        except sqlite3.OperationalError as error:
            assert "database is locked" in str(error)
            return False
    return True


def read_then_write(path: str) -> bool:
    """The session reads, another connection tries to write, the session writes and commits;
    whether the other got in between."""
    assert db.session.scalar(select(func.count()).select_from(Client)) == 1
    other_wrote = another_writer_tries(path, "in-between")
    db.session.execute(insert(Client).values(name="Mine", slug="mine"))
    db.session.commit()
    return other_wrote


def slugs() -> set[str]:
    return set(db.session.scalars(select(Client.slug)))


def test_work_outside_a_request_holds_the_write_lock_from_its_first_read(app, sqlite_path):
    with app.app_context():
        other_wrote = read_then_write(sqlite_path)
        assert not other_wrote  # it had to wait: the lock was ours since the read
        assert another_writer_tries(sqlite_path, "after")
        assert slugs() == {"existing", "mine", "after"}


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_request_that_may_write_holds_the_write_lock_from_its_first_read(
    app, sqlite_path, method
):
    with app.test_request_context("/", method=method):
        other_wrote = read_then_write(sqlite_path)
        assert not other_wrote
    with app.app_context():
        assert slugs() == {"existing", "mine"}


def test_a_get_reads_without_the_lock_and_its_seen_mark_waits_for_it(app, sqlite_path):
    with app.test_request_context("/", method="GET"):
        assert db.session.scalar(select(func.count()).select_from(Client)) == 1
        assert another_writer_tries(sqlite_path, "in-between")  # readers block no writer
        with write_while_reading() as writer:
            writer.execute(insert(Client).values(name="Seen", slug="seen"))
        # Upgraded in place, the GET's own read transaction could not have written:
        with pytest.raises(OperationalError, match="database is locked"):
            db.session.execute(insert(Client).values(name="Never", slug="never"))
        db.session.rollback()
    with app.app_context():
        assert slugs() == {"existing", "in-between", "seen"}


def test_drawing_a_pdf_leaves_the_database_to_others(app, account, sqlite_path, monkeypatch):
    # Drawing a long PDF may take a minute; a transaction open over it (begun IMMEDIATE, as
    # all work outside a request) would hold every writer off for that long.
    version = new_version(app, account, DraftKind.PDF, pdf_bytes(2))
    drawing, got_in = processing._draw_pages, []

    def draw_while_another_writes(path, file_hash):
        got_in.append(another_writer_tries(sqlite_path, "while-drawing"))
        return drawing(path, file_hash)

    monkeypatch.setattr(processing, "_draw_pages", draw_while_another_writes)

    assert processed(app, version).page_count == 2
    assert got_in == [True]


def test_the_health_job_leaves_the_database_to_others_while_it_assesses(
    app, sqlite_path, monkeypatch
):
    # Assessing 500 busy clients takes 13 s; a transaction begun with the write lock over it
    # (as all work outside a request) would hold every writer off that long.
    with app.app_context():
        client = make_client("Alpha")
        make_thread(client, make_client_user(client), body="Thanks, this is lovely!")
    assessing, got_in = snapshots.assess, []

    def assess_while_another_writes(*args):
        got_in.append(another_writer_tries(sqlite_path, f"while-assessing-{len(got_in)}"))
        return assessing(*args)

    monkeypatch.setattr(snapshots, "assess", assess_while_another_writes)
    with app.app_context():
        assert snapshots.take_snapshots(now=utcnow()) == 2
        assert db.session.scalar(select(func.count()).select_from(HealthSnapshot)) == 2
        assert db.session.scalar(select(Comment.tone)) > 0  # scored as it was read
    assert got_in == [True, True]  # between one client and the next
