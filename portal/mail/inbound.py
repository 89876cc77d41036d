"""Replies by e-mail: a message to ``reply+<token>@<REPLY_DOMAIN>`` posted as its person.

``process_reply`` is the job the receiver (``portal.mail.receiver``) queues for each message
it accepts. It posts only through the web form's services and access rules, and only when
every check passes, in this order:

1. Our own mail coming back (``X-Loop`` or a Message-ID of ours) and automatic mail
   (``Auto-Submitted`` other than ``no``, ``Precedence: bulk|junk|list``, ``X-Autoreply``,
   ``X-Autorespond``, out-of-office subjects, delivery reports, a null sender) are ignored.
   Nothing answers them, so two robots never write to each other.
2. An address that is no token of ours, or whose person is inactive, is ignored.
3. Everything else that fails is refused with an e-mail to the token's person, at the address
   the portal has for them (never to the message's sender, who may be forged), at most
   ``REPLY_REFUSALS_PER_HOUR`` an hour: a revoked address, a sender other than the person,
   a message too large, a thread the person may not post in, no new text, a file from someone
   who may not upload it.

A message acted on is noted (``ReceivedReply``, by its Message-ID), so one delivered again, by
a mail server that retries or a job run twice, posts nothing more.

Trust: the token, 80 bits of HMAC bound to one person and thread, is the secret; the From
address must be the person's too. SPF, DKIM and DMARC are the MX's to check: when it records
them in ``Authentication-Results``, a failure refuses the message; they never let in one that
failed the other checks. The MX should drop such headers arriving from outside.
Each outcome is written to the security log.
"""

import hashlib
import io
import re
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

from flask import current_app
from sqlalchemy import func, select

from portal import access
from portal.drafts import storage
from portal.drafts.services import add_version
from portal.errors import DomainError
from portal.extensions import db
from portal.logs import security_event
from portal.mail.delivery import OUR_MESSAGE_ID_MARK
from portal.mail.outbox import queue_email
from portal.mail.reply_addresses import (
    ReplyToken,
    read_reply_token,
    reply_domain,
    reply_token_in,
)
from portal.mail.reply_text import new_text
from portal.models import (
    Client,
    Draft,
    DraftKind,
    ReceivedReply,
    Thread,
    User,
    fold_email,
    utcnow,
)
from portal.models import EmailMessage as OutboxMessage
from portal.threads.services import post_comment
from portal.urls import public_url, thread_location

_OUT_OF_OFFICE = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|abwesenheit|"
    r"autosvar|r[ée]ponse automatique|absence|vacation)",
    re.IGNORECASE,
)
_PRECEDENCE_AUTOMATIC = {"bulk", "junk", "list", "auto_reply"}
_AUTHENTICATION = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*(\w+)", re.IGNORECASE)
MAX_NOTE = 5000


class Refused(Exception):
    """The reply is not posted; ``outcome`` names why in the log, ``explanation`` tells the
    person (None: nobody is told)."""

    def __init__(self, outcome: str, explanation: str | None = None):
        super().__init__(outcome)
        self.outcome, self.explanation = outcome, explanation


def process_reply(raw: bytes, recipient: str, sender: str = "") -> str:
    """A job: post the reply ``raw`` (received for ``recipient`` from envelope ``sender``)
    as the person its address names, or ignore or refuse it; returns the outcome's name."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    token = reply_token_in(recipient)
    found = read_reply_token(token) if token else None
    fields = {
        "user_id": found.user.id if found else None,
        "thread_id": found.thread.id if found else None,
        "sender": _from_address(message),
        "message_id": str(message.get("Message-ID", ""))[:200],
    }
    try:
        _check_not_automatic(message, sender)
        if found is None or not found.user.active:
            raise Refused("reply_unknown_address")
        try:
            outcome = _post(found, message, len(raw))
        except Refused as refusal:
            _tell(found.user, found.thread, message, refusal)
            raise
    except Refused as refusal:
        security_event(refusal.outcome, **fields)
        return refusal.outcome
    security_event(outcome, **fields)
    return outcome


def _check_not_automatic(message: EmailMessage, sender: str) -> None:
    our_domain = reply_domain()
    message_id = str(message.get("Message-ID", "")).lower()
    if any(our_domain == str(value).strip().lower() for value in message.get_all("X-Loop", [])):
        raise Refused("reply_loop_ignored")
    if OUR_MESSAGE_ID_MARK in message_id and message_id.rstrip("> ").endswith("@" + our_domain):
        raise Refused("reply_loop_ignored")
    auto_submitted = str(message.get("Auto-Submitted", "no")).split(";")[0].strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    if (
        auto_submitted != "no"
        or precedence in _PRECEDENCE_AUTOMATIC
        or message.get("X-Autoreply") is not None
        or message.get("X-Autorespond") is not None
        or message.get_content_type() == "multipart/report"
        or sender.strip("<> ") == ""
        or _OUT_OF_OFFICE.match(str(message.get("Subject", "")))
    ):
        raise Refused("reply_automatic_ignored")


def _from_address(message: EmailMessage) -> str:
    addresses = getaddresses([str(value) for value in message.get_all("From", [])])
    return fold_email(addresses[0][1]) if len(addresses) == 1 else ""


def _authentication_failed(message: EmailMessage) -> bool:
    """Whether the MX recorded a failed DMARC, or SPF and DKIM results with no pass."""
    results: dict[str, set[str]] = {}
    for header in message.get_all("Authentication-Results", []):
        for method, result in _AUTHENTICATION.findall(str(header)):
            results.setdefault(method.lower(), set()).add(result.lower())
    if "fail" in results.get("dmarc", set()):
        return True
    checked = results.get("spf", set()) | results.get("dkim", set())
    return bool(checked) and "pass" not in checked and bool(checked & {"fail", "softfail"})


def _post(found: ReplyToken, message: EmailMessage, size: int) -> str:
    user, thread = found.user, found.thread
    if found.revoked:
        raise Refused("reply_revoked_address", REVOKED)
    sender = _from_address(message)
    if sender != user.email or _authentication_failed(message):
        raise Refused("reply_sender_mismatch", SENDER_MISMATCH.format(sender=sender or "unknown"))
    if size > current_app.config["INBOUND_MAX_BYTES"]:
        raise Refused("reply_too_large", TOO_LARGE)
    if not _may_read(user, thread):
        raise Refused("reply_not_allowed", NOT_ALLOWED)
    files = [
        part
        for part in message.iter_attachments()
        if part.get_content_disposition() == "attachment"
    ]
    text = new_text(message)
    try:
        with db.session.begin_nested():
            _first_delivery(user, thread, message)
            if files:
                _add_version(user, thread, files, text)
                return "reply_version_added"
            if not text:
                raise Refused("reply_empty", EMPTY)
            post_comment(user, thread, text)
            return "reply_posted"
    except DomainError as error:
        raise Refused("reply_invalid", f"{error.message} Nothing was posted.") from error


def _may_read(user: User, thread: Thread) -> bool:
    """Whether ``user`` may read ``thread`` now, by ``access.visible_threads``."""
    return db.session.scalar(access.visible_threads(user).where(Thread.id == thread.id)) is not None


def _first_delivery(user: User, thread: Thread, message: EmailMessage) -> None:
    """Note that this message was acted on; Refused (silently) if it was before."""
    message_id = str(message.get("Message-ID", "")).strip() or message.as_string()
    fingerprint = hashlib.sha256(
        f"{user.id}:{thread.id}:{message_id}".encode(errors="replace")
    ).hexdigest()
    seen = select(ReceivedReply.id).where(ReceivedReply.fingerprint == fingerprint)
    if db.session.scalar(seen) is not None:
        raise Refused("reply_duplicate_ignored")
    db.session.add(ReceivedReply(fingerprint=fingerprint, user_id=user.id))


def _add_version(user: User, thread: Thread, files: list, note: str) -> None:
    """The one attached file as the next version of the thread's draft, ``note`` saying what
    changed; refused unless ``user`` may upload versions of that draft."""
    draft = db.session.get(Draft, thread.draft_id) if thread.draft_id else None
    client = db.session.get(Client, thread.client_id)
    if draft is None or draft.kind == DraftKind.COPY or not access.can_work_on(user, client):
        raise Refused("reply_file_refused", FILE_REFUSED)
    if len(files) > 1:
        raise Refused("reply_file_refused", ONE_FILE)
    if len(note) > MAX_NOTE:
        raise Refused("reply_invalid", f"Keep the note under {MAX_NOTE:,} characters.")
    (part,) = files
    stored = storage.store_upload(
        io.BytesIO(part.get_payload(decode=True) or b""), part.get_filename(), draft.kind
    )
    add_version(user, draft, note=note, stored=stored)


REVOKED = (
    "The address you replied to no longer works: reply addresses were turned off from your "
    "account page, or the portal sent newer ones. Nothing was posted. Reply from a newer "
    "e-mail, or in the portal."
)
SENDER_MISMATCH = (
    "A reply to your reply address came from another address ({sender}). Nothing was posted. "
    "Reply from the address the portal writes to, or in the portal. If this wasn't you, turn "
    "your reply addresses off on your account page."
)
TOO_LARGE = "Your reply was larger than the portal takes by e-mail. Nothing was posted."
NOT_ALLOWED = "You can't post in that conversation. Nothing was posted."
EMPTY = "We found no new text above the quoted message in your reply. Nothing was posted."
FILE_REFUSED = (
    "Your reply came with a file, but you can't add versions to that draft by e-mail (only its "
    "team can, and only to drafts of files). Nothing was posted: send your text again without "
    "the file, or share the file in the portal."
)
ONE_FILE = "Send one file per reply: each becomes one version. Nothing was posted."


def _tell(user: User, thread: Thread, message: EmailMessage, refusal: Refused) -> None:
    """E-mail ``user`` (at their own address) why their reply was refused, once per message
    and at most ``REPLY_REFUSALS_PER_HOUR`` an hour; ignored messages get no answer."""
    if refusal.explanation is None:
        return
    key_prefix = f"reply-refused-{user.id}-"
    recent = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.to_user_id == user.id,
            OutboxMessage.dedupe_key.startswith(key_prefix),
            OutboxMessage.created_at > utcnow() - timedelta(hours=1),
        )
    )
    if recent >= current_app.config["REPLY_REFUSALS_PER_HOUR"]:
        security_event("reply_refusal_not_sent", user_id=user.id, reason="rate limit")
        return
    fingerprint = str(message.get("Message-ID", "")) or message.as_string()[:10_000]
    digest = hashlib.sha256(fingerprint.encode(errors="replace")).hexdigest()[:24]
    queue_email(
        to=user.email,
        user=user,
        subject=f"Not posted: {message.get('Subject', 'your reply')}"[:200],
        template="reply_refused",
        dedupe_key=key_prefix + digest,
        explanation=refusal.explanation,
        link=_thread_link(user, thread),
    )


def _thread_link(user: User, thread: Thread) -> str | None:
    """The thread's page, if ``user`` may read it; else None."""
    if not _may_read(user, thread):
        return None
    client = db.session.get(Client, thread.client_id)
    endpoint, values = thread_location(thread, client.slug)
    return public_url(endpoint, **values)
