"""The inbound SMTP receiver for replies by e-mail (aiosmtpd), run by ``flask mail inbound``.

It takes only mail to a reply address at ``REPLY_DOMAIN`` (550 for any other recipient), one
such address per message, and no message over ``INBOUND_MAX_MB`` (552, from aiosmtpd's SIZE
limit). Each message is handed to ``portal.mail.inbound.process_reply`` as a job and answered
at once; in the embedded mode (no ``REDIS_URL``) it is processed before the answer. If the
job can't be queued the answer is 451, so the sending server keeps the message and tries
again: nothing accepted is dropped.
"""

import asyncio
import logging

from aiosmtpd.controller import Controller
from flask import current_app

from portal.extensions import db
from portal.jobs import dispatch_ready
from portal.jobs.queue import get_queue
from portal.mail.inbound import process_reply
from portal.mail.reply_addresses import reply_token_in

log = logging.getLogger(__name__)


def accept_reply(raw: bytes, recipient: str, sender: str) -> None:
    """Queue ``raw`` (to ``recipient``, from envelope ``sender``) for processing, or in the
    embedded mode process it now and commit; raises if neither can be done."""
    if current_app.config["REDIS_URL"]:
        get_queue("default").enqueue(process_reply, raw, recipient, sender)
        return
    try:
        process_reply(raw, recipient, sender)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    dispatch_ready()


class ReplyReceiver:
    """The aiosmtpd handler: checks recipients, hands each message to ``accept_reply`` in a
    thread of its own (with the app's context), so the SMTP server keeps answering."""

    def __init__(self, app):
        self.app = app

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.app.app_context():
            ours = reply_token_in(address) is not None
        if not ours:
            return "550 5.1.1 No such reply address here"
        if envelope.rcpt_tos:
            return "452 4.5.3 One reply address per message"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        try:
            await asyncio.to_thread(
                self._accept, envelope.original_content, envelope.rcpt_tos[0], envelope.mail_from
            )
        except Exception:
            log.exception("could not take a reply for %s", envelope.rcpt_tos)
            return "451 4.3.0 Can't take the message now; try again later"
        return "250 2.0.0 Accepted"

    def _accept(self, raw: bytes, recipient: str, sender: str | None) -> None:
        with self.app.app_context():
            accept_reply(raw, recipient, sender or "")


def make_receiver(app) -> Controller:
    """The SMTP server for ``app``, on ``INBOUND_HOST``:``INBOUND_PORT``, not yet started."""
    config = app.config
    return Controller(
        ReplyReceiver(app),
        hostname=config["INBOUND_HOST"],
        port=config["INBOUND_PORT"],
        data_size_limit=config["INBOUND_MAX_BYTES"],
        decode_data=False,
    )
