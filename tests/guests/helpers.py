"""Sharing a draft with Gil Guest through the real form, opening the link as him, and
commenting as him."""

import re
from dataclasses import dataclass

from sqlalchemy import select

from portal.drafts.services import draft_thread
from portal.extensions import db
from portal.models import EmailMessage, GuestGrant
from tests.factories import sent_text
from tests.review import browser_for

GUEST_EMAIL = "gil@outside.test"


@dataclass
class Shared:
    draft: object
    link: str  # the path of the link e-mailed, token included
    grant_id: int

    @property
    def token(self) -> str:
        return self.link.rsplit("/", 1)[1]


def link_in(app, to: str) -> str:
    """The path of the guest link in the newest e-mail to ``to``, as it is sent."""
    with app.app_context():
        message = db.session.scalars(
            select(EmailMessage).where(EmailMessage.to_address == to).order_by(EmailMessage.id)
        ).all()[-1]
        return re.search(r"http://portal\.test(/guest/\S+)", sent_text(message))[1]


def share(app, new_browser, account, draft, *, may_decide=False, email=GUEST_EMAIL) -> Shared:
    """The designer shares ``draft`` with Gil Guest through the draft page's form."""
    designer = browser_for(new_browser, account.designer)
    answer = designer.post(
        account.draft_url(draft, "/guests"),
        data={
            "guest-name": "Gil Guest",
            "guest-email": email,
            "guest-may_decide": "y" if may_decide else "",
        },
    )
    assert answer.status_code == 302, answer.text
    with app.app_context():
        grant_id = db.session.scalar(select(GuestGrant.id).where(GuestGrant.draft_id == draft.id))
    return Shared(draft, link_in(app, email), grant_id)


def open_as_guest(new_browser, shared: Shared, email=GUEST_EMAIL):
    """A fresh browser that opened the link and confirmed ``email``."""
    browser = new_browser()
    answer = browser.post(shared.link, data={"email": email})
    assert answer.status_code == 302, answer.text
    return browser


def comment_as_guest(app, new_browser, account, draft, body: str, **fields):
    """Share ``draft`` with Gil Guest, open it as him and post ``body`` (and ``fields``, such
    as a pin's) to its thread; his browser."""
    guest = open_as_guest(new_browser, share(app, new_browser, account, draft))
    with app.app_context():
        thread = draft_thread(draft)
    posted = guest.post(account.thread_url(thread, "/comments"), data={"body": body, **fields})
    assert posted.status_code == 302, posted.text
    return guest
