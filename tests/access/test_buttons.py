"""No dead buttons, no hidden rights: on the draft page, for every persona who can open it,
each action drawn is one the app then allows, and each action the app allows is drawn.

"Allowed" is what the app answers when the person takes the action (a 2xx or a redirect);
403, 404 or a refusal on the form count as not allowed.
"""

import re
from dataclasses import dataclass

import pytest

from portal.drafts.services import draft_thread
from portal.extensions import db
from portal.models import Verdict
from tests.conftest import empty_database
from tests.factories import make_comment, sign_in
from tests.personas import build_world

# Everyone who can open client A's draft page; the others get 404 or the login page.
READERS = ("client_member_a", "client_admin_a", "maker_on_a", "account_manager_a", "admin")


@dataclass
class DraftDiscussion:
    """Client A's draft with a discussion holding a comment of every kind."""

    world: object
    thread_id: int
    comments: dict[str, int]

    @property
    def page(self) -> str:
        return f"/clients/alpha/drafts/{self.world.draft_a.id}"


def build_discussion(app) -> DraftDiscussion:
    world = build_world(app)
    with app.app_context():
        people = {name: db.session.merge(person) for name, person in world.people.items()}
        thread = draft_thread(world.draft_a)
        maker = people["maker_on_a"]
        comments = {
            "client_comment": make_comment(thread, people["client_member_a"], "Bigger logo?"),
            "resolved_comment": make_comment(thread, people["client_admin_a"], "Fixed colour."),
            "maker_reply": make_comment(thread, maker, "On it."),
            "staff_note": make_comment(thread, maker, "Check the budget.", internal=True),
        }
        resolved = comments["resolved_comment"]
        resolved.resolved_at = resolved.created_at
        db.session.commit()
        return DraftDiscussion(world, thread.id, {k: c.id for k, c in comments.items()})


def actions(discussion: DraftDiscussion) -> dict[str, tuple[str, str, dict]]:
    """Every action the draft page could offer: name -> (method, URL, form data)."""
    base = "/clients/alpha"
    draft = discussion.world.draft_a
    offered = {
        "new version": ("GET", f"{base}/drafts/{draft.id}/versions/new", {}),
        "decide": (
            "POST",
            f"{base}/drafts/{draft.id}/decision",
            {"verdict": Verdict.APPROVED, "version_id": discussion.world.version_a.id},
        ),
        "reviewers": (
            "POST",
            f"{base}/drafts/{draft.id}/reviewers",
            {"reviewer_ids": discussion.world.people["client_member_a"].id, "approval_rule": "all"},
        ),
        "comment": ("POST", f"{base}/threads/{discussion.thread_id}/comments", {"body": "Hi"}),
        "follow": ("POST", f"{base}/threads/{discussion.thread_id}/follow", {"level": "muted"}),
    }
    for name, comment_id in discussion.comments.items():
        url = f"{base}/comments/{comment_id}"
        resolve = "reopen" if name == "resolved_comment" else "resolve"
        offered |= {
            f"edit {name}": ("GET", f"{url}/edit", {}),
            f"delete {name}": ("POST", f"{url}/delete", {}),
            f"{resolve} {name}": ("POST", f"{url}/{resolve}", {}),
            f"share {name}": ("GET", f"{url}/promote", {}),
        }
    return offered


def drawn(html: str, offered) -> set[str]:
    """The actions whose link or form the page shows."""
    targets = set(re.findall(r'(?:href|action)="([^"#?]+)', html))
    return {name for name, (_method, url, _data) in offered.items() if url in targets}


@pytest.mark.parametrize("persona", READERS)
def test_every_button_drawn_is_allowed_and_every_allowed_action_is_drawn(app, new_browser, persona):
    discussion = build_discussion(app)
    browser = new_browser()
    sign_in(browser, discussion.world.person(persona))
    page = browser.get(discussion.page)
    assert page.status_code == 200
    offered = actions(discussion)
    shown = drawn(page.text, offered)

    allowed = set()
    for name, (method, url, data) in offered.items():
        response = browser.open(url, method=method, data=data)
        if response.status_code < 400:
            allowed.add(name)
            if method == "POST":  # it changed something: start again from the same rows
                empty_database(app)
                discussion = build_discussion(app)
                browser = new_browser()
                sign_in(browser, discussion.world.person(persona))

    assert shown - allowed == set(), "dead buttons"
    assert allowed - shown == set(), "rights without a button"
