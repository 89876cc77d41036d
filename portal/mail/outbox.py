"""Writing e-mail to the outbox; a job delivers it after the commit."""

from flask import render_template
from sqlalchemy import select

from portal.extensions import db
from portal.jobs import enqueue
from portal.mail.delivery import deliver_email, grace
from portal.mail.safe_text import header_text, html_part, text_part
from portal.models import EmailMessage, User, utcnow


def queue_email(
    *,
    to: str,
    subject: str,
    template: str,
    dedupe_key: str,
    user: User | None = None,
    unsubscribe_url: str | None = None,
    reply_to: str | None = None,
    **context,
) -> EmailMessage:
    """Write a message rendered from ``templates/email/<template>.txt`` (and ``.html``).

    ``reply_to`` is a reply-address placeholder (``portal.mail.reply_addresses``) for the
    Reply-To header.
    A second call with the same ``dedupe_key`` returns the first message instead of writing
    another. Delivery is enqueued for after the commit.
    """
    existing = db.session.scalar(select(EmailMessage).where(EmailMessage.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    subject = header_text(subject)
    context.update(subject=subject, recipient=user, unsubscribe_url=unsubscribe_url)
    message = EmailMessage(
        dedupe_key=dedupe_key,
        to_address=to,
        to_user_id=user.id if user else None,
        subject=subject,
        text_body=text_part(render_template(f"email/{template}.txt", **context)),
        html_body=html_part(render_template(f"email/{template}.html", **context)),
        unsubscribe_url=unsubscribe_url,
        reply_to=reply_to,
        next_attempt_at=utcnow() + grace(),
    )
    db.session.add(message)
    db.session.flush()
    enqueue(deliver_email, message.id, queue="mail")
    return message
