"""Markup and template payloads through the rendered text fields (issue 12): each is typed
into its real form by the person allowed to, then every page that shows it is parsed, and
no element, attribute or link from the payload may run: no script element, no ``on…``
attribute, no ``javascript:`` or ``data:`` address, and ``{{7*7}}`` is never worked out to
49. E-mails carrying the payloads are not yet checked here.

One payload per field carries every category at once (tags, attribute breakouts, Markdown
links, SVG, entities, template syntax, CR/LF, a bidi override), within the field's length.
Comments alone are covered in depth by tests/threads; file names by test_corpus_uploads.py.
"""

import re
from html import unescape

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Draft, Project, Thread
from tests.drafts.helpers import comment_fields, elements, text_of
from tests.review import make_draft_in_review

PAYLOAD = (
    'M1{{7*7}}M2<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    "<svg onload=alert(3)>[x](javascript:alert(4)) [d](data:text/html,<b>5</b>) "
    "&lt;script&gt;alert(6)&lt;/script&gt; &#106;avascript:alert(7) \r\nX-Y: z \u202eM3"
)
PROSE = PAYLOAD + (
    ' <a href="JaVaScRiPt:alert(8)">l</a> [y]( javascript:alert(9) ) '
    "![i](data:image/svg+xml;base64,PHN2Zz4=) <iframe src=javascript:alert(10)>"
    " [z](&#x6A;avascript:alert(11)) <https://ok.example/?a=<script>>"
)
# For names and titles (the shortest holds 120 characters): every category, less prose.
SHORT = (
    'M1{{7*7}}M2<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    "<svg onload=alert(3)>[x](javascript:alert(4))\r\n\u202e"
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
    mention = comment_fields("@dana " + PROSE)
    answers.append(reviewer.post(f"{thread_url}/comments", data=mention))
    answers.append(writer.post(f"{thread_url}/comments", data=comment_fields(PROSE, internal="y")))
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
