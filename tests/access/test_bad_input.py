"""No request, however odd, gets a 500: every form route meets junk from every kind of user."""

import pytest

from portal.extensions import limiter
from tests.access.test_matrix import ROUTES
from tests.conftest import empty_database
from tests.factories import sign_in
from tests.personas import build_world

FIELDS = (
    "body", "email", "password", "confirm", "current", "name", "title", "brief", "goals",
    "due_date", "kind", "maker_id", "user_id", "responsibility", "account_manager", "role",
    "verdict", "note", "version_id", "anchor_type", "start", "end", "x", "y", "page",
    "reply_to", "internal", "revision", "people", "up_to", "level", "email_frequency",
    "digest_hour", "digest_weekday", "quiet_from", "quiet_until", "timezone", "remember",
    "reviewer_ids", "approval_rule", "final_approver_id",
)  # fmt: skip
JUNK = {
    "empty": "",
    "huge": "x" * 300_000,
    "nul and controls": "a\x00b\x07c\r\n",
    "unicode": "\U0001f4a5 \u202e \u0489 \U0001d54f \ufeff",
    "negative": "-1",
    "enormous number": "9" * 40,
    "markup": "<script>alert(1)</script>{{7*7}}",
    "path": "../../etc/passwd",
}
POST_ROUTES = sorted(key for key in ROUTES if key[1] == "POST")


@pytest.mark.parametrize("junk", sorted(JUNK))
def test_junk_in_every_form_field_never_gets_a_500(app, new_browser, junk):
    failures, world = [], build_world(app)
    for endpoint, method in POST_ROUTES:
        url_template, _ = ROUTES[(endpoint, method)]
        for persona in ("client_member_a", "admin"):
            browser = new_browser()
            sign_in(browser, world.person(persona))
            data = dict.fromkeys(FIELDS, JUNK[junk])
            response = browser.post(url_template.format(w=world), data=data)
            world = noted(app, world, response, failures, f"{persona} {endpoint}")
    assert failures == []


def noted(app, world, response, failures: list[str], what: str):
    """Note ``response`` in ``failures`` if it is a 5xx; the world to go on with: a fresh
    one (the database emptied) after an answer that may have changed something."""
    if response.status_code >= 500:
        failures.append(f"{what}: {response.status_code}")
    limiter.reset()
    if response.status_code < 400:
        empty_database(app)
        return build_world(app)
    return world


@pytest.mark.parametrize(
    "url",
    [
        "/clients/alpha/drafts/99999999999999999999",
        "/clients/alpha/threads/{w.thread_a.id}/comments?after=99999999999999999999",
        "/clients/alpha/threads/{w.thread_a.id}/comments/older?before=-5",
        "/clients/alpha/drafts/{w.draft_a.id}?v=99999999999999999999",
        "/admin/people?page=99999999999999999999",
    ],
)
def test_numbers_too_large_for_any_row_are_not_found_or_ignored(client, world, url):
    sign_in(client, world.person("admin"))
    assert client.get(url.format(w=world)).status_code in (200, 204, 400, 404)
