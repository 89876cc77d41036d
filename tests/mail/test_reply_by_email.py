"""Reply by e-mail, through real SMTP: replies sent with smtplib to the receiver.

The first test runs the whole path on real parts: the notification goes through a real worker
to an SMTP sink, the reply to the real ``flask mail inbound`` process, which queues it on a
real Redis for a real worker. The others talk to the same receiver (``make_receiver``) in
this process in the embedded mode, where each message is processed before SMTP answers.
"""

import re
import smtplib
import socket
import subprocess
from datetime import timedelta
from email.message import EmailMessage as MimeMessage

import pytest
from sqlalchemy import select

from portal.digests.services import build_digest
from portal.drafts.services import draft_thread
from portal.extensions import db
from portal.mail.receiver import make_receiver
from portal.mail.reply_addresses import reply_address
from portal.mail.secret_links import reveal
from portal.models import Comment, DraftKind, EmailMessage, Thread, User, Version, utcnow
from portal.notifications.services import send_notifications
from tests.factories import make_comment, make_thread, png_bytes, sent_text, sign_in
from tests.jobs.test_notifications import let_the_batching_window_pass, post_mention
from tests.realparts import FLASK, ROOT, free_port
from tests.review import make_draft_in_review

QUOTED_NOTIFICATION = """
On Mon, 7 Dec 2026 at 09:00, Portal <portal@localhost> wrote:
> Hannah Client mentioned you in "Homepage intro":
> @dana can we say where in Leeds?
> Reply by e-mail: reply+1-2-abcdefghijklmnop@portal.test
"""
SIGNATURE = "\nBest regards,\nDana Writer\nCopywriter, Agency\n"


def reply_message(*, sender: str, to: str, text: str, subject="Re: Homepage intro", **headers):
    """A reply as a mail program writes it: plain text, with extra ``headers``."""
    message = MimeMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message


def send(port: int, message: MimeMessage, *, envelope_sender: str | None = None) -> None:
    """Hand ``message`` to the SMTP server on ``port``, as the sender's mail server would."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        sender = message["From"] if envelope_sender is None else envelope_sender
        smtp.send_message(message, from_addr=sender)


@pytest.fixture
def inbound(app, monkeypatch):
    """The reply receiver on a free loopback port, in the embedded mode; yields its port."""
    port = free_port()
    monkeypatch.setitem(app.config, "INBOUND_PORT", port)
    receiver = make_receiver(app)
    receiver.start()
    yield port
    receiver.stop()


@pytest.fixture
def discussion(app, draft_in_review):
    """The discussion thread of Dana's copy draft."""
    with app.app_context():
        return draft_thread(draft_in_review)


def address_of(app, user, thread) -> str:
    with app.app_context():
        return reply_address(db.session.get(User, user.id), thread.id)


def comments_in(app, thread) -> list[tuple[str, str]]:
    """(author's e-mail, text) of each comment in ``thread``, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            select(Comment).where(Comment.thread_id == thread.id).order_by(Comment.id)
        )
        return [(db.session.get(User, c.author_id).email, c.body) for c in rows]


def outbox_to(app, address: str) -> list[str]:
    """The text of each outbox message to ``address``."""
    with app.app_context():
        rows = db.session.scalars(
            select(EmailMessage).where(EmailMessage.to_address == address).order_by(EmailMessage.id)
        )
        return [row.text_body for row in rows]


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    """Until ``process`` listens on ``port``: a bounded poll that fails if it ends first."""
    for _attempt in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            try:
                process.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            raise AssertionError(process.stderr.read().decode()[-3000:]) from None
    raise AssertionError("flask mail inbound did not listen")


def test_a_reply_to_a_notification_is_posted_as_its_person_with_exactly_the_new_text(
    app, client, account, discussion, jobs_on_redis, mailbox
):
    box, _ = mailbox
    post_mention(client, account, discussion)
    let_the_batching_window_pass(app, jobs_on_redis)
    jobs_on_redis.burst()
    (notification,) = box.to("dana@agency.test")
    reply_to = notification["Reply-To"]
    assert re.fullmatch(r"reply\+\d+-\d+-[a-z2-7]{16}@portal\.test", reply_to)
    assert reply_to in box.text(notification)
    assert notification["Auto-Submitted"] == "auto-generated"
    (stored,) = outbox_to(app, "dana@agency.test")
    assert reply_to not in stored and "[[reply-address" in stored, "a usable address at rest"

    port = free_port()
    environment = {**jobs_on_redis.environment, "INBOUND_PORT": str(port)}
    process = subprocess.Popen(
        [*FLASK, "mail", "inbound"], cwd=ROOT, env=environment,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_for_port(port, process)
        reply = reply_message(
            sender="Dana Writer <dana@agency.test>",
            to=reply_to,
            text="Yes: Leeds, by the Corn Exchange.\n" + SIGNATURE + QUOTED_NOTIFICATION,
            In_Reply_To=notification["Message-ID"],
        )
        send(port, reply)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert len(comments_in(app, discussion)) == 1, "posted before the worker ran"
    jobs_on_redis.burst()
    assert comments_in(app, discussion)[-1] == (
        "dana@agency.test",
        "Yes: Leeds, by the Corn Exchange.",
    )


def test_an_html_only_reply_posts_its_new_text(app, account, discussion, inbound):
    reply = MimeMessage()
    reply["From"], reply["To"] = "dana@agency.test", address_of(app, account.writer, discussion)
    reply["Subject"] = "Re: Homepage intro"
    reply.set_content(
        "<div>Yes, <b>Leeds</b> &amp; York.</div><div><br></div><div>Best regards,<br>Dana</div>"
        '<div class="gmail_quote">On Mon, 7 Dec 2026, Portal wrote:<blockquote>quoted'
        "</blockquote></div><script>alert(1)</script>",
        subtype="html",
    )
    send(inbound, reply)
    assert comments_in(app, discussion)[-1] == ("dana@agency.test", "Yes, Leeds & York.")


def test_a_reply_delivered_twice_is_posted_once(app, account, thread, inbound):
    to = address_of(app, account.reviewer, thread)
    reply = reply_message(sender="hannah@northwind.test", to=to, text="The 14th.",
                          Message_ID="<once@northwind.test>")  # fmt: skip
    send(inbound, reply)
    send(inbound, reply)
    assert comments_in(app, thread)[1:] == [("hannah@northwind.test", "The 14th.")]
    assert outbox_to(app, "hannah@northwind.test") == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X_Autoreply": "yes"},
        {"subject": "Automatic reply: Homepage intro"},
        {"subject": "Out of Office: back on Monday"},
    ],
)
def test_an_automatic_reply_is_ignored_and_not_answered(app, account, discussion, inbound, headers):
    to = address_of(app, account.writer, discussion)
    send(inbound, reply_message(sender="dana@agency.test", to=to, text="I'm away.", **headers))
    assert len(comments_in(app, discussion)) == 0
    assert outbox_to(app, "dana@agency.test") == []


def test_a_null_envelope_sender_a_bounce_is_ignored(app, account, discussion, inbound):
    to = address_of(app, account.writer, discussion)
    send(inbound, reply_message(sender="dana@agency.test", to=to, text="Bounced."),
         envelope_sender="")  # fmt: skip
    assert comments_in(app, discussion) == []


def test_our_own_mail_coming_back_is_ignored(app, account, discussion, inbound):
    to = address_of(app, account.writer, discussion)
    looped = reply_message(sender="dana@agency.test", to=to, text="Looped.", X_Loop="portal.test")
    send(inbound, looped)
    ours = reply_message(sender="dana@agency.test", to=to, text="Looped.",
                         Message_ID="<1.2.3.portal-9@portal.test>")  # fmt: skip
    send(inbound, ours)
    assert comments_in(app, discussion) == []
    assert outbox_to(app, "dana@agency.test") == []


def test_a_forged_sender_posts_nothing_and_the_person_is_told_not_the_forger(
    app, account, discussion, inbound, caplog
):
    to = address_of(app, account.writer, discussion)
    send(inbound, reply_message(sender="Dana <mallory@evil.test>", to=to, text="Approve it all."))
    assert comments_in(app, discussion) == []
    assert outbox_to(app, "mallory@evil.test") == []
    (refusal,) = outbox_to(app, "dana@agency.test")
    assert "mallory@evil.test" in refusal and "Nothing was posted" in refusal
    assert any("reply_sender_mismatch" in r.getMessage() for r in caplog.records)


def test_a_failed_dmarc_check_recorded_by_the_mx_refuses_the_reply(
    app, account, discussion, inbound
):
    to = address_of(app, account.writer, discussion)
    results = "mx.agency.test; spf=fail smtp.mailfrom=agency.test; dkim=none; dmarc=fail"
    send(inbound, reply_message(sender="dana@agency.test", to=to, text="Hi.",
                                Authentication_Results=results))  # fmt: skip
    assert comments_in(app, discussion) == []


def test_refusals_are_rate_limited_per_person(app, account, discussion, inbound):
    to = address_of(app, account.writer, discussion)
    for n in range(app.config["REPLY_REFUSALS_PER_HOUR"] + 3):
        send(inbound, reply_message(sender="mallory@evil.test", to=to, text=f"Try {n}."))
    assert len(outbox_to(app, "dana@agency.test")) == app.config["REPLY_REFUSALS_PER_HOUR"]


def test_a_revoked_address_is_refused(app, client, account, thread, inbound):
    to = address_of(app, account.reviewer, thread)
    sign_in(client, account.reviewer)
    assert client.post("/account/reply-addresses/revoke").status_code == 302
    send(inbound, reply_message(sender="hannah@northwind.test", to=to, text="Next week?"))
    assert len(comments_in(app, thread)) == 1, "only the thread's first comment"
    (refusal,) = outbox_to(app, "hannah@northwind.test")
    assert "no longer works" in refusal
    fresh = address_of(app, account.reviewer, thread)
    assert fresh != to
    send(inbound, reply_message(sender="hannah@northwind.test", to=fresh, text="Next week?"))
    assert comments_in(app, thread)[-1] == ("hannah@northwind.test", "Next week?")


def test_a_deactivated_person_posts_nothing(app, account, thread, inbound):
    to = address_of(app, account.reviewer, thread)
    with app.app_context():
        db.session.get(User, account.reviewer.id).active = False
        db.session.commit()
    send(inbound, reply_message(sender="hannah@northwind.test", to=to, text="Still here?"))
    assert len(comments_in(app, thread)) == 1


def test_an_unknown_or_tampered_address_is_refused_at_smtp_or_ignored(
    app, account, thread, inbound
):
    good = address_of(app, account.reviewer, thread)
    tampered = good.replace(f"-{thread.id}-", f"-{thread.id + 1}-")
    send(inbound, reply_message(sender="hannah@northwind.test", to=tampered, text="Hi."))
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(inbound, reply_message(sender="hannah@northwind.test", to="dana@portal.test",
                                    text="Hi."))  # fmt: skip
    assert len(comments_in(app, thread)) == 1
    assert outbox_to(app, "hannah@northwind.test") == []


def test_a_client_replying_to_a_staff_only_threads_address_posts_nothing(app, account, inbound):
    with app.app_context():
        staff_only = make_thread(account.client, account.writer, internal=True, title="Margins")
    to = address_of(app, account.reviewer, staff_only)
    send(inbound, reply_message(sender="hannah@northwind.test", to=to, text="What margins?"))
    assert comments_in(app, staff_only) == [("dana@agency.test", "Hello.")]
    (refusal,) = outbox_to(app, "hannah@northwind.test")
    assert "Margins" not in refusal


def test_an_oversized_reply_is_refused_at_smtp_and_by_the_parser(
    app, account, discussion, inbound, monkeypatch
):
    to = address_of(app, account.writer, discussion)
    too_big = "x" * (app.config["INBOUND_MAX_BYTES"] + 1)
    with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as refused:
        send(inbound, reply_message(sender="dana@agency.test", to=to, text=too_big))
    assert refused.value.smtp_code == 552
    monkeypatch.setitem(app.config, "INBOUND_MAX_BYTES", 10_000)
    send(inbound, reply_message(sender="dana@agency.test", to=to, text="y" * 20_000))
    assert comments_in(app, discussion) == []
    (refusal,) = outbox_to(app, "dana@agency.test")
    assert "larger than the portal takes" in refusal


def reply_with_file(sender: str, to: str, data: bytes, name: str) -> MimeMessage:
    message = reply_message(sender=sender, to=to, text="New artwork, brighter." + SIGNATURE)
    maintype, subtype = ("image", "png") if name.endswith(".png") else ("application", "pdf")
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


@pytest.fixture
def artwork(app, account):
    """Mateo's image draft in review and its discussion thread."""
    with app.app_context():
        draft = make_draft_in_review(account, DraftKind.IMAGE, title="Poster")
        return draft, draft_thread(draft)


def versions_of(app, draft) -> list[Version]:
    with app.app_context():
        return db.session.scalars(
            select(Version).where(Version.draft_id == draft.id).order_by(Version.number)
        ).all()


def test_a_file_from_someone_who_may_upload_becomes_the_next_version(
    app, account, artwork, inbound
):
    draft, thread = artwork
    to = address_of(app, account.designer, thread)
    image = png_bytes(colour=(10, 200, 90))
    send(inbound, reply_with_file("mateo@agency.test", to, image, "poster-v2.png"))
    version = versions_of(app, draft)[-1]
    assert (version.number, version.author_id, version.note) == (
        2, account.designer.id, "New artwork, brighter.",
    )  # fmt: skip
    assert (version.original_name, version.mime_type, version.size) == (
        "poster-v2.png", "image/png", len(image),
    )  # fmt: skip


def test_a_file_from_someone_who_may_not_upload_is_refused_with_a_reply(
    app, account, artwork, inbound
):
    draft, thread = artwork
    to = address_of(app, account.reviewer, thread)
    send(inbound, reply_with_file("hannah@northwind.test", to, png_bytes(), "mine.png"))
    assert len(versions_of(app, draft)) == 1
    assert comments_in(app, thread) == []
    (refusal,) = outbox_to(app, "hannah@northwind.test")
    assert "can't add versions to that draft by e-mail" in refusal


def test_a_file_the_upload_rules_refuse_is_refused_by_e_mail_too(app, account, artwork, inbound):
    draft, thread = artwork
    to = address_of(app, account.designer, thread)
    send(inbound, reply_with_file("mateo@agency.test", to, b"<html>not a png</html>", "a.png"))
    assert len(versions_of(app, draft)) == 1
    (refusal,) = outbox_to(app, "mateo@agency.test")
    assert "isn't" in refusal and "Nothing was posted" in refusal


def test_flask_mail_receive_feeds_one_saved_message(app, account, thread, tmp_path):
    to = address_of(app, account.reviewer, thread)
    saved = tmp_path / "reply.eml"
    reply = reply_message(sender="hannah@northwind.test", to=to, text="The 14th." + SIGNATURE)
    reply["Return-Path"] = "<hannah@northwind.test>"
    saved.write_bytes(bytes(reply))
    result = app.test_cli_runner().invoke(args=["mail", "receive", str(saved)])
    assert result.exit_code == 0, result.output
    assert comments_in(app, thread)[-1] == ("hannah@northwind.test", "The 14th.")


def test_a_reply_address_placeholder_typed_in_a_comment_stays_text(app, account, discussion):
    with app.app_context():
        placeholder = f"[[reply-address {account.manager.id} {discussion.id}"
        typed = f"@dana {placeholder}]] or {placeholder} {'0' * 32}]]"
        make_comment(db.session.get(Thread, discussion.id), account.reviewer, typed)
        send_notifications(account.writer.id, utcnow() + timedelta(hours=1))
        db.session.commit()
        (message,) = db.session.scalars(
            select(EmailMessage).where(EmailMessage.to_address == "dana@agency.test")
        )
        text = sent_text(message)
        assert typed.removeprefix("@dana ") in text
        assert reply_address(db.session.get(User, account.manager.id), discussion.id) not in text
        assert reply_address(db.session.get(User, account.writer.id), discussion.id) in text


def test_each_digest_item_about_a_comment_carries_its_threads_reply_address(app, account, thread):
    with app.app_context():
        dana = db.session.get(User, account.writer.id)
        make_comment(db.session.get(Thread, thread.id), account.reviewer, "@dana any news?")
        now = utcnow()
        digest = build_digest(dana, now - timedelta(days=1), now + timedelta(minutes=1))
        items = [item for _title, items in digest.sections for item in items]
        assert items
        for item in items:
            assert reveal(item["reply_address"]) == reply_address(dana, thread.id)
