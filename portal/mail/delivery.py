"""Delivering one outbox row over SMTP, or to the log when no mail server is configured."""

import logging
import smtplib
from email.message import EmailMessage as MimeMessage
from email.utils import make_msgid

from flask import current_app

from portal.extensions import db
from portal.models import EmailMessage, EmailStatus, utcnow

log = logging.getLogger(__name__)


def build_mime(message: EmailMessage, sender: str) -> MimeMessage:
    """The MIME form of an outbox row: plain text with an HTML alternative."""
    mime = MimeMessage()
    mime["From"] = sender
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Message-ID"] = make_msgid(idstring=f"portal-{message.id}")
    mime.set_content(message.text_body)
    if message.html_body:
        mime.add_alternative(message.html_body, subtype="html")
    return mime


def deliver_email(message_id: int) -> None:
    """Send outbox row ``message_id`` unless it has already gone; record the outcome."""
    message = db.session.get(EmailMessage, message_id, with_for_update=True)
    if message is None or message.status in (EmailStatus.SENT, EmailStatus.LOGGED):
        return
    config = current_app.config
    message.attempts += 1
    if not config["MAIL_SERVER"]:
        log.info("e-mail to %s: %s\n%s", message.to_address, message.subject, message.text_body)
        message.status = EmailStatus.LOGGED
        message.sent_at = utcnow()
        return
    mime = build_mime(message, config["MAIL_FROM"])
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(mime)
    message.status = EmailStatus.SENT
    message.sent_at = utcnow()
