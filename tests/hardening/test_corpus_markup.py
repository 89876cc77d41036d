"""Markup and template payloads through the rendered text fields (issue 12): each is typed
into its real form by the person allowed to, then every page that shows it is parsed, and
no element, attribute or link from the payload may run: no script element, no ``on…``
attribute, no ``javascript:`` or ``data:`` address, and ``{{7*7}}`` is never worked out to
49.

The e-mails too: with the payloads also in the client's name and people's display names
(saved before today's rules, as old rows may be), every e-mail the real code writes from
them (a mention, a reply, a new version with its feedback checklist and a decline's reason,
a decision with its reason, digests, an invitation, a health alert) is delivered to a real
SMTP server and read back: its HTML runs nothing, its text holds no control character but
the newline, its Subject, From and To are one line each with no bidi control and no header
smuggled in, it goes to its one recipient, no placeholder typed by a person becomes a
secret link, and no client's e-mail holds the staff-only note.

One payload per field carries every category at once (tags, attribute breakouts, Markdown
links, SVG, entities, template syntax, CR/LF, a bidi override), within the field's length.
Comments alone are covered in depth by tests/threads; file names by test_corpus_uploads.py.
"""

import re
from datetime import timedelta
from email.utils import getaddresses
from html import unescape

import pytest
from sqlalchemy import select, update

from portal.digests.services import send_digest
from portal.drafts.services import draft_thread, open_client_feedback
from portal.extensions import db
from portal.health.alerts import raise_alerts
from portal.health.signals import ClientHealth
from portal.mail.delivery import deliver_email
from portal.models import (
    Band,
    Client,
    ClientRole,
    Comment,
    Draft,
    EmailFrequency,
    EmailMessage,
    EmailStatus,
    HealthSnapshot,
    Project,
    Thread,
    User,
    utcnow,
)
from portal.notifications.services import batching_window, send_notifications
from portal.urls import public_url
from tests.drafts.helpers import comment_fields, elements, text_of
from tests.factories import persist
from tests.review import make_draft_in_review

PAYLOAD = (
    'M1{{7*7}}M2<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    "<svg onload=alert(3)>[x](javascript:alert(4)) [d](data:text/html,<b>5</b>) "
    "&lt;script&gt;alert(6)&lt;/script&gt; &#106;avascript:alert(7) \r\nX-Y: z \u202eM3"
)
# Placeholders of secret links, as the outbox writes them (signed) and as it once did: typed
# by a person, they must stay text, never become a link with a token.
FORGED_LINKS = (
    " [[secret-link auth.reset_password forged]] [[secret-link drafts.show forged]]"
    " [[secret-link auth.reset_password forged 0123456789abcdef0123456789abcdef]]"
)
PROSE = PAYLOAD + (
    ' <a href="JaVaScRiPt:alert(8)">l</a> [y]( javascript:alert(9) ) '
    "![i](data:image/svg+xml;base64,PHN2Zz4=) <iframe src=javascript:alert(10)>"
    " [z](&#x6A;avascript:alert(11)) <https://ok.example/?a=<script>>"
    "\x0b\x0c\x1b[31m\rBcc: evil@attacker.test\t" + FORGED_LINKS
)
STAFF_SECRET = "SECRET-staff-only-note"
# For titles (the shortest holds 160 characters): every category, less prose.
SHORT = (
    'M1{{7*7}}M2<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    "<svg onload=alert(3)>[x](javascript:alert(4))\r\nBcc: evil@attacker.test\r\n\u202e"
)
# For the names of people and clients (120 characters at most), with a word to find it by.
NAME = (
    '{{7*7}}<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    "\r\nBcc: evil@attacker.test\u202e\x1b"
)
EVALUATED = "M149M2"
ADDRESS_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
RUNNABLE_ADDRESS = re.compile(r"^\s*(javascript|data|vbscript):", re.I)


def runnable_markup(html: str) -> list:
    """What in ``html`` would run, from the payloads: script elements carrying a payload,
    event handler attributes, and javascript:/data: addresses."""
    found = []
    for tag, attributes in elements(html):
        if tag in ("script", "iframe", "svg", "object", "embed") and "src" not in attributes:
            found.append((tag, attributes))
        for name, value in attributes.items():
            if name.startswith("on"):
                found.append((tag, name, value))
            # The layout's own favicon link is "data:,": the payloads' addresses say more.
            address = unescape(value) if name in ADDRESS_ATTRIBUTES else ""
            if RUNNABLE_ADDRESS.match(address) and address != "data:,":
                found.append((tag, name, value))
    found += re.findall(r"<script>alert", html)
    return found


def assert_inert(html: str, where: str) -> None:
    assert runnable_markup(html) == [], where
    assert EVALUATED not in html, f"{where}: {{{{7*7}}}} was worked out"


@pytest.fixture
def typed(app, account, writer, reviewer, new_browser):
    """Every field of the payload, typed through its form; the URLs that show them."""
    base, project = account.base, account.project
    project_url = f"{base}/projects/{project.id}"
    answers = [
        writer.post(
            f"{project_url}/edit", data={"name": SHORT, "brief": PROSE, "goals": PROSE}
        ),
        writer.post(
            f"{project_url}/drafts/new",
            data={"title": SHORT, "kind": "copy", "maker_id": account.writer.id,
                  "approval_rule": "any", "reviewer_ids": str(account.reviewer.id)},
        ),
    ]  # fmt: skip
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.project_id == project.id))
        draft_id = draft.id
    draft_url = f"{base}/drafts/{draft_id}"
    answers.append(writer.post(f"{draft_url}/versions/new", data={"body": PROSE, "note": PROSE}))
    answers.append(
        writer.post(f"{draft_url}/versions/new", data={"body": PROSE + " v2", "note": PROSE})
    )
    page = text_of(reviewer.get(draft_url))
    version_id = re.search(r'name="version_id" value="(\d+)"', page).group(1)
    answers.append(
        reviewer.post(
            f"{draft_url}/decision",
            data={"version_id": version_id, "verdict": "changes_requested", "note": PROSE},
        )
    )
    answers.append(
        reviewer.post(f"{project_url}/threads/new", data={"title": SHORT, "body": PROSE})
    )
    with app.app_context():
        thread_id = db.session.scalar(
            select(Thread.id).where(Thread.project_id == project.id, Thread.title != "")
            .order_by(Thread.id.desc())
        )  # fmt: skip
    thread_url = f"{base}/threads/{thread_id}"
    mention = comment_fields("@dana @mateo " + PROSE)
    answers.append(reviewer.post(f"{thread_url}/comments", data=mention))
    staff_note = comment_fields(f"{PROSE} {STAFF_SECRET}", internal="y")
    answers.append(writer.post(f"{thread_url}/comments", data=staff_note))
    assert [answer.status_code for answer in answers] == [302] * len(answers)
    with app.app_context():
        assert db.session.get(Project, project.id).name.startswith("M1{{7*7}}")
    return {
        "client home": base,
        "project": project_url,
        "draft": draft_url,
        "compare": f"{draft_url}/compare?from=1&to=2",
        "thread": thread_url,
        "thread polling": f"{thread_url}/comments?after=0",
        "inbox": "/inbox",
        "project edit form": f"{project_url}/edit",
    }


@pytest.mark.parametrize("who", ["writer", "reviewer"])
def test_no_page_showing_the_payloads_runs_them(typed, request, who):
    browser = request.getfixturevalue(who)
    for name, url in typed.items():
        response = browser.get(url)
        if response.status_code in (403, 404):
            continue  # not this person's page
        assert response.status_code in (200, 204), (name, response.status_code)
        assert_inert(text_of(response), f"{who} on {name}")
    assert "M1{{7*7}}M2" in unescape(text_of(browser.get(typed["project"])))


def test_a_display_name_with_the_payload(app, account, new_browser):
    from tests.review import browser_for

    manager = browser_for(new_browser, account.manager)
    response = manager.post("/account", data={"name": SHORT[:80], "timezone": "Europe/London"})
    assert response.status_code in (302, 422)
    with app.app_context():
        make_draft_in_review(account, title="Plain title")
    for url in (account.base, "/inbox", "/account"):
        assert_inert(text_of(manager.get(url)), url)


# ---- E-mail ---------------------------------------------------------------------------

CONTROLS_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
CONTROLS_BUT_LINE_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What the column holds: a longer subject is refused by PostgreSQL, not by SQLite.
SUBJECT_LENGTH = EmailMessage.__table__.c.subject.type.length
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
BIDI_OVERRIDES = re.compile("[\u202a-\u202e\u2066-\u2069]")
HOSTILE_ADDRESSES = (
    "victim,new@northwind.test",
    "new<evil@attacker.test>",
    "Bcc:evil@attacker.test",
    "new;evil@attacker.test",
    '"new"@northwind.test',
    "new\u202e@northwind.test",
)


@pytest.fixture
def hostile_names(app, account):
    """The client and two people named with the payload, as rows saved before today's rules
    on names may be; everyone on e-mail as it happens."""
    with app.app_context():
        db.session.get(Client, account.client.id).name = f"Northwind {NAME}"
        db.session.get(User, account.reviewer.id).name = f"Hannah {NAME}"
        db.session.get(User, account.writer.id).name = f"Dana {NAME}"
        db.session.execute(update(User).values(email_frequency=EmailFrequency.IMMEDIATE))
        db.session.commit()


def notify_everyone(app, account) -> None:
    """Each person's notification e-mail, written as the job writes it once the batching
    window of everything so far has passed."""
    with app.app_context():
        later = utcnow() + batching_window() + timedelta(seconds=1)
        for person in people_of(account):
            send_notifications(person.id, now=later)
        db.session.commit()


def people_of(account) -> list:
    return [account.reviewer, account.second_reviewer, account.writer, account.designer,
            account.manager]  # fmt: skip


def write_the_other_emails(app, account, reviewer, writer) -> None:
    """A version answering the reviewer's comment (declined, the reason the payload), a
    reply to her, an invitation from her, a health alert to the account manager, and
    everyone's digest."""
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.project_id == account.project.id))
        draft_id, on_the_draft = draft.id, account.thread_url(draft_thread(draft), "/comments")
    draft_url = f"{account.base}/drafts/{draft_id}"
    assert reviewer.post(on_the_draft, data=comment_fields(PROSE)).status_code == 302
    with app.app_context():
        draft = db.session.get(Draft, draft_id)
        declined = {}
        for comment in open_client_feedback(draft):
            declined |= {f"feedback-{comment.id}": "declined", f"reason-{comment.id}": PROSE}
        mention = db.session.scalar(
            select(Comment)
            .where(Comment.author_id == account.reviewer.id, Comment.version_id.is_(None))
            .order_by(Comment.id.desc())
        )
        thread_url, reply_to = f"{account.base}/threads/{mention.thread_id}", str(mention.id)
    answers = [
        writer.post(
            f"{draft_url}/versions/new", data={"body": PROSE + " v3", "note": PROSE, **declined}
        ),
        writer.post(f"{thread_url}/comments", data=comment_fields(PROSE, reply_to=reply_to)),
        reviewer.post(
            f"{account.base}/invitations",
            data={"email": "new@northwind.test", "role": ClientRole.MEMBER.value},
        ),
    ]  # fmt: skip
    assert [answer.status_code for answer in answers] == [302] * len(answers)
    notify_everyone(app, account)
    with app.app_context():
        today = utcnow().date()
        client = db.session.get(Client, account.client.id)
        persist(HealthSnapshot(client_id=client.id, day=today - timedelta(days=1), score=80,
                               band=Band.HEALTHY, triggers=[]))  # fmt: skip
        at_risk = ClientHealth(client.id, 30, Band.AT_RISK, "standard", [], [])
        assert raise_alerts(today, {client.id: at_risk}, utcnow())
        nominal = (utcnow() + timedelta(minutes=1)).isoformat()
        for person in people_of(account):
            send_digest(person.id, "corpus", nominal)
        db.session.commit()


def everything_delivered(app, box) -> list:
    """Deliver what the outbox still holds; (envelope recipients, message as received,
    outbox row) for every message."""
    with app.app_context():
        deliver_email(*db.session.scalars(select(EmailMessage.id)))
        rows = db.session.scalars(select(EmailMessage).order_by(EmailMessage.id)).all()
        assert {row.status for row in rows} == {EmailStatus.SENT}
        db.session.expunge_all()
    by_id = {message["Message-ID"]: (recipients, message) for recipients, message in box.messages}
    assert len(by_id) == len(rows)
    received = [next(key for key in by_id if f".portal-{row.id}@" in key) for row in rows]
    return [(*by_id[key], row) for key, row in zip(received, rows, strict=True)]


def assert_header_is_one_clean_line(message, name: str, where: str) -> None:
    (value,) = message.get_all(name)
    assert CONTROLS_BUT_NEWLINE.sub("", str(value)) == str(value), (where, name, str(value))
    assert "\n" not in str(value), (where, name)
    assert BIDI_CONTROLS.search(str(value)) is None, (where, name, str(value))


def test_no_email_carrying_the_payloads_runs_them_or_breaks_out(
    app, smtp_mailbox, account, hostile_names, typed, reviewer, writer
):
    notify_everyone(app, account)  # the mention and the decision, before a new version
    write_the_other_emails(app, account, reviewer, writer)
    delivered = everything_delivered(app, smtp_mailbox)

    client_addresses = {account.reviewer.email, account.second_reviewer.email, "new@northwind.test"}
    with app.app_context():
        reset_link = public_url("auth.reset_password", token="x")[:-1]
    for recipients, message, row in delivered:
        where = f"{row.dedupe_key} to {row.to_address}"
        for name in ("Subject", "From", "To"):
            assert_header_is_one_clean_line(message, name, where)
        assert [address for _name, address in getaddresses(message.get_all("To"))] == [
            row.to_address
        ], where
        assert recipients == [row.to_address], where
        for header in ("Bcc", "Cc", "X-Y"):
            assert message.get(header) is None, (where, header)
        # The wire's line ends are CR LF: any other control character came from the text.
        text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        html = message.get_body(("html",)).get_content()
        for part, body in (("text", text), ("stored text", row.text_body)):
            assert CONTROLS_BUT_NEWLINE.search(body) is None, (where, part)
        assert CONTROLS_BUT_LINE_BREAKS.search(html) is None, where
        assert len(row.subject) <= SUBJECT_LENGTH, where
        for part, body in (("text", text), ("html", html), ("subject", message["Subject"])):
            assert BIDI_OVERRIDES.search(body) is None, (where, part)
            assert EVALUATED not in body, (where, part)
            assert re.search(r"(Hannah|Dana|Northwind) 49", body) is None, (where, part)
            assert reset_link not in body, (where, part, "a typed placeholder became a link")
        assert_inert(html, where)
        if row.to_address in client_addresses:
            assert STAFF_SECRET not in f"{message['Subject']}{text}{html}", where

    def texts(to: str, containing: str) -> list[str]:
        return [
            f"{message['Subject']}\n{message.get_body(('plain',)).get_content()}"
            for _r, message, row in delivered
            if row.to_address == to and containing in message.get_body(("plain",)).get_content()
        ]

    dana, ada, hannah = account.writer.email, account.manager.email, account.reviewer.email
    mateo = account.designer.email
    # A decision says who decided, for which client, and the reason given.
    decided = "Hannah {{7*7}}<script>"
    for decision in texts(dana, "Changes requested: M1{{7*7}}M2") + texts(ada, decided):
        assert decided in decision and "of Northwind {{7*7}}<script>" in decision
    assert texts(ada, "Changes requested: M1{{7*7}}M2")
    assert texts(mateo, "mentioned you") and texts(hannah, "Dana {{7*7}}<script>")
    # The new version tells the reviewer why her comment was declined.
    assert texts(hannah, "declined. Declined “M1{{7*7}}M2")
    assert texts("new@northwind.test", "invited to join Northwind {{7*7}}<script>")
    assert texts(ada, "You get this because you are Northwind {{7*7}}<script>")
    assert all(texts(person.email, "Unsubscribe") for person in people_of(account))
    digests = [row.to_address for _r, _m, row in delivered if row.dedupe_key.startswith("digest")]
    assert {hannah, dana} <= set(digests)


def test_an_invitation_to_an_address_a_to_header_would_read_otherwise_is_refused(
    app, account, reviewer, new_browser
):
    """A second address, a display name, a group, quoting or a bidi control in the address
    typed would send the invitation (its secret link) elsewhere, or to more people, than the
    invitation says."""
    from tests.review import browser_for

    manager = browser_for(new_browser, account.manager)
    for who, address in zip([reviewer, manager] * 3, HOSTILE_ADDRESSES, strict=True):
        answer = who.post(
            f"{account.base}/invitations", data={"email": address, "role": ClientRole.MEMBER.value}
        )
        assert answer.status_code == 422, address
        assert "Enter an e-mail address like" in text_of(answer)
    with app.app_context():
        assert db.session.scalars(select(EmailMessage)).all() == []
