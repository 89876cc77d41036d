"""A digest for someone whose organisation was archived is skipped cleanly, once."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.digests.services import send_digest
from portal.extensions import db
from portal.models import Client, DigestRun, EmailMessage, Version

NOMINAL = datetime(2026, 11, 3, 8, tzinfo=UTC)
PERIOD = "daily:2026-11-03"


def test_a_digest_for_a_user_of_an_archived_client_is_claimed_empty_and_not_retried(
    app, account, draft_in_review
):
    with app.app_context():
        version = db.session.scalar(select(Version).where(Version.draft_id == draft_in_review.id))
        version.created_at = NOMINAL - timedelta(hours=3)
        db.session.get(Client, account.client.id).archived_at = NOMINAL - timedelta(hours=1)
        db.session.commit()

        for _attempt in range(2):
            send_digest(account.reviewer.id, PERIOD, NOMINAL.isoformat())
            db.session.commit()

        (run,) = db.session.scalars(select(DigestRun))
        assert (run.user_id, run.period) == (account.reviewer.id, PERIOD)
        assert (run.item_count, run.email_message_id) == (0, None)
        assert db.session.scalars(select(EmailMessage)).all() == []
