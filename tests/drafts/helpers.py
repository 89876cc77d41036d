"""Small readers of pages and rows, and form senders, for the review tests.

Shared by the drafts, threads and inbox tests; the account they work in is ``tests.review``.
"""

import io
import re
from html.parser import HTMLParser

from PIL import Image
from sqlalchemy import func, select

from portal.drafts import services as draft_services
from portal.extensions import db, read_only_transaction

# --- rows ----------------------------------------------------------------------------------


def rows(app, model, *where):
    """Every row of ``model`` matching ``where``, oldest first, read in a fresh app context
    (without the write lock, which an app context around it may hold on SQLite)."""
    with app.app_context():
        read_only_transaction()
        session = db.session()
        session.expire_on_commit = False
        return session.scalars(select(model).where(*where).order_by(model.id)).all()


def count(app, model, *where) -> int:
    with app.app_context():
        read_only_transaction()
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def draft_thread(app, draft):
    """The discussion thread of ``draft``."""
    with app.app_context():
        read_only_transaction()
        session = db.session()
        session.expire_on_commit = False
        return draft_services.draft_thread(draft)


# --- browsers and pages --------------------------------------------------------------------


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
