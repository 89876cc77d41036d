"""The hourly statistics job gives SQLite's planner what it needs to choose between indexes
(PostgreSQL's autovacuum does this on its own)."""

from sqlalchemy import text

from portal.extensions import db, refresh_planner_statistics
from portal.jobs.schedule import PERIODIC
from tests.factories import make_client, make_client_user, make_thread


def test_the_statistics_job_runs_every_hour():
    assert any(p.func is refresh_planner_statistics and p.every_seconds == 3600 for p in PERIODIC)


def test_sqlite_gets_statistics_of_the_comment_indexes(app):
    with app.app_context():
        client = make_client("Stats", slug="stats")
        make_thread(client, make_client_user(client), title="Counted", body="A question?")
        db.session.commit()
        refresh_planner_statistics()
        db.session.commit()
        if db.engine.dialect.name != "sqlite":
            return  # nothing to do there: autovacuum keeps PostgreSQL's statistics
        analysed = set(db.session.scalars(text("SELECT idx FROM sqlite_stat1")))
        assert {"ix_comments_awaiting_answer", "ix_comments_client_comments"} <= analysed
