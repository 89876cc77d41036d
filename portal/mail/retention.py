"""Old e-mail keeps its envelope (to, subject, status, times) for the outbox page, but not its
body: after ``EMAIL_BODY_RETENTION_DAYS`` the outbox is no store of what was said to whom,
and the database and its backups hold no more of it than delivery needed."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from portal.extensions import db
from portal.models import EmailMessage, EmailStatus, utcnow


def purge_old_bodies(now: datetime | None = None) -> int:
    """Empty the bodies of messages no longer waiting to go, written more than the retention
    period before ``now``; returns how many were emptied."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["EMAIL_BODY_RETENTION_DAYS"])
    result = db.session.execute(
        update(EmailMessage)
        .where(
            EmailMessage.status != EmailStatus.PENDING,
            EmailMessage.created_at < cutoff,
            EmailMessage.text_body != "",
        )
        .values(text_body="", html_body=None)
    )
    return result.rowcount
