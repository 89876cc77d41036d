"""A digest for someone whose organisation was archived is skipped cleanly, once."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.digests.services import send_digest
from portal.extensions import db
from portal.models import ClientRole, DigestRun, DraftKind, EmailMessage, StaffRole
from tests.factories import (
    assign,
    make_client,
    make_client_user,
    make_draft,
    make_project,
    make_staff,
    make_version,
)

NOMINAL = datetime(2026, 11, 3, 8, tzinfo=UTC)


def test_a_digest_for_a_user_of_an_archived_client_is_claimed_empty_and_not_retried(app):
    with app.app_context():
        client = make_client("Gone Ltd", slug="gone")
        reviewer = make_client_user(client, ClientRole.MEMBER)
        maker = make_staff(StaffRole.COPYWRITER)
        assign(client, maker)
        draft = make_draft(make_project(client), maker, DraftKind.COPY)
        version = make_version(draft, maker, body="Waiting on the client.")
        version.created_at = NOMINAL - timedelta(hours=3)
        client.archived_at = NOMINAL - timedelta(hours=1)
        db.session.commit()

        send_digest(reviewer.id, "daily:2026-11-03", NOMINAL.isoformat())
        db.session.commit()
        send_digest(reviewer.id, "daily:2026-11-03", NOMINAL.isoformat())
        db.session.commit()

        (run,) = db.session.scalars(select(DigestRun).where(DigestRun.user_id == reviewer.id))
        assert (run.period, run.item_count, run.email_message_id) == ("daily:2026-11-03", 0, None)
        assert db.session.scalars(select(EmailMessage)).all() == []
