"""An account to review work on, and small readers of pages and rows, for the review tests.

Shared by the drafts, threads and inbox tests.
"""

import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from PIL import Image
from sqlalchemy import func, select

from portal.drafts import services as draft_services
from portal.extensions import db
from portal.models import ClientRole, StaffRole
from tests.factories import (
    assign,
    make_client,
    make_client_user,
    make_project,
    make_staff,
    sign_in,
)


@dataclass
class Account:
    """Northwind, served by a writer, a designer and a manager; and Southwind, served apart."""

    client: object
    reviewer: object
    second_reviewer: object
    writer: object
    designer: object
    manager: object
    project: object
    other_client: object
    other_reviewer: object
    other_staff: object

    @property
    def base(self) -> str:
        return f"/clients/{self.client.slug}"

    def draft_url(self, draft, suffix: str = "") -> str:
        return f"{self.base}/drafts/{draft.id}{suffix}"

    def thread_url(self, thread, suffix: str = "") -> str:
        return f"{self.base}/threads/{thread.id}{suffix}"

    def comment_url(self, comment, action: str) -> str:
        return f"{self.base}/comments/{comment.id}/{action}"

    def version_url(self, version, what: str) -> str:
        return f"{self.base}/versions/{version.id}/{what}"


def build_account(app) -> Account:
    """Northwind with two reviewers and a team of three, and Southwind with its own people."""
    with app.app_context():
        client = make_client("Northwind", slug="northwind")
        writer = make_staff(StaffRole.COPYWRITER, name="Dana Writer", email="dana@agency.test")
        designer = make_staff(StaffRole.CREATIVE, name="Mateo Maker", email="mateo@agency.test")
        manager = make_staff(StaffRole.ACCOUNT_MANAGER, name="Ada Lead", email="ada@agency.test")
        for person in (writer, designer):
            assign(client, person)
        assign(client, manager, account_manager=True)
        other_client = make_client("Southwind", slug="southwind")
        other_staff = make_staff(StaffRole.COPYWRITER, name="Sam South", email="sam@agency.test")
        assign(other_client, other_staff)
        return Account(
            client=client,
            reviewer=make_client_user(
                client, ClientRole.ADMIN, name="Hannah Client", email="hannah@northwind.test"
            ),
            second_reviewer=make_client_user(
                client, ClientRole.MEMBER, name="Omar Client", email="omar@northwind.test"
            ),
            writer=writer,
            designer=designer,
            manager=manager,
            project=make_project(client, name="Spring launch"),
            other_client=other_client,
            other_reviewer=make_client_user(
                other_client, ClientRole.ADMIN, name="Sid Southern", email="sid@southwind.test"
            ),
            other_staff=other_staff,
        )


# --- rows ----------------------------------------------------------------------------------


def rows(app, model, *where):
    """Every row of ``model`` matching ``where``, oldest first, read in a fresh app context."""
    with app.app_context():
        session = db.session()
        session.expire_on_commit = False
        return session.scalars(select(model).where(*where).order_by(model.id)).all()


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def draft_thread(app, draft):
    """The discussion thread of ``draft``."""
    with app.app_context():
        session = db.session()
        session.expire_on_commit = False
        return draft_services.draft_thread(draft)


# --- browsers and pages --------------------------------------------------------------------


def browser_for(new_browser, user):
    """A fresh test client signed in as ``user``."""
    browser = new_browser()
    sign_in(browser, user)
    return browser


HTMX = {"HX-Request": "true"}


def text_of(response) -> str:
    return response.get_data(as_text=True)


def comment_ids(html: str) -> list[int]:
    """The ids of the comments shown, in page order."""
    return [int(n) for n in re.findall(r'<li id="comment-(\d+)"', html)]


def comment_body_html(html: str, comment_id: int) -> str:
    """The rendered body of comment ``comment_id`` as it appears in ``html``."""
    match = re.search(
        rf'<li id="comment-{comment_id}".*?<div class="comment-body prose">(.*?)</div>',
        html,
        flags=re.S,
    )
    assert match, f"comment {comment_id} is not on the page"
    return match.group(1)


class ElementCollector(HTMLParser):
    """Every start tag of a piece of HTML, with its attributes (entities decoded)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = ElementCollector()
    parser.feed(html)
    parser.close()
    return parser.elements


def pdf_bytes(pages: int = 1) -> bytes:
    """A real PDF of ``pages`` pages, made with Pillow."""
    images = [Image.new("RGB", (120, 80), (40 * n % 255, 90, 160)) for n in range(pages)]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


def comment_fields(body: str, **fields) -> dict:
    """What the comment form sends: its hidden fields (empty unless given) and the body."""
    blank = {name: "" for name in ("anchor_type", "start", "end", "x", "y", "reply_to")}
    return {**blank, "body": body, **fields}


def at_the_same_time(*calls) -> list:
    """Run each of ``calls`` in its own thread, released together; their results in order.

    A call that raised gives its exception instead of a result.
    """
    import threading

    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        start.wait()
        try:
            results[index] = call()
        except Exception as error:  # handed back to the test
            results[index] = error

    workers = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return results


def decide(browser, account, draft, verdict, note="", **kwargs):
    """Submit the decision form as the draft page renders it (for the version shown there)."""
    page = browser.get(account.draft_url(draft)).text
    version = re.search(r'name="version_id" value="(\d+)"', page)
    fields = {"version_id": version.group(1)} if version else {}
    return browser.post(
        account.draft_url(draft, "/decision"),
        data={**fields, "verdict": verdict, "note": note},
        **kwargs,
    )
