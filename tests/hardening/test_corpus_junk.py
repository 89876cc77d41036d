"""Junk in every form and query string (issue 12) never gets a 5xx: a clear 4xx, or the value
is ignored. The routes are the access matrix's (tests/access/test_matrix.py, ROUTES).

tests/access/test_bad_input.py sends one junk value in every field; this corpus sends what a
form can't: bytes that aren't UTF-8, a field given many times, names in PHP's array style,
a JSON body, and junk in every query parameter the views read.
"""

import pytest

from tests.access.test_bad_input import FIELDS, noted
from tests.access.test_matrix import ROUTES
from tests.factories import sign_in
from tests.personas import build_world

PERSONAS = ("client_member_a", "admin")
POST_ROUTES = sorted(key for key in ROUTES if key[1] == "POST")
GET_ROUTES = sorted(key for key in ROUTES if key[1] == "GET" and key[0] != "static")
URLENCODED = "application/x-www-form-urlencoded"
CONTROLS = "".join(f"%{n:02x}" for n in range(32))


def urlencoded(pairs) -> bytes:
    """A form body written by hand, so that it may hold what no encoder would write."""
    return "&".join(f"{name}={value}" for name, value in pairs).encode()


BODIES = {
    "bytes that aren't utf-8": (
        URLENCODED, urlencoded((name, "%ff%fe%c0%80%ed%a0%80") for name in FIELDS)
    ),
    # Each field three times, the first holding every control character, and each again
    # with PHP's array-style names.
    "repeated fields of control characters": (
        URLENCODED,
        urlencoded(
            pair
            for name in FIELDS
            for pair in ((name, CONTROLS), (name, "-1"), (name, "1"), (f"{name}[]", "1"),
                         (f"{name}[a]", "2"))
        ),
    ),
    # Every form reads it as an empty one (PortalForm): no body of JSON reaches a field.
    "json that is no object": ("application/json", b'[["email", 1], 5, "x"]'),
}  # fmt: skip

QUERY_PARAMETERS = (
    "after", "band", "before", "comment", "comments", "first", "from", "next", "organisation",
    "owner", "page", "q", "reply_to", "role", "shown", "stamp", "status", "thumbnail", "to",
    "v", "version",
)  # fmt: skip
# Each parameter is given twice, the junk first: the views read the first.
QUERIES = {
    "negative": "-1",
    "huge": "99999999999",
    "beyond any integer": "9" * 40,
    "bytes that aren't utf-8": "%ff%fe%c0%80",
    "nul, line breaks and markup": "1%00%0d%0aX:%20y%3Cscript%3E",
    # Full-text search syntax (the search's ?q=): quotes unbalanced, NEAR, *, -, parentheses,
    # columns, tsquery operators.
    "search syntax": "%22due%20NEAR(a%20b)%20due*%20-%20-x%20(c:d%20%27%20!%26|%3C-%3E%20OR",
    "100 KB in all": "7" * (100_000 // len(QUERY_PARAMETERS)),
}


def new_signed_in(new_browser, world, persona):
    browser = new_browser()
    sign_in(browser, world.person(persona))
    return browser


@pytest.mark.parametrize("body", BODIES, ids=BODIES.keys())
def test_a_junk_body_on_every_form_never_gets_a_5xx(app, new_browser, body):
    content_type, data = BODIES[body]
    failures, world = [], build_world(app)
    for endpoint, method in POST_ROUTES:
        template, _ = ROUTES[(endpoint, method)]
        for persona in PERSONAS:
            browser = new_signed_in(new_browser, world, persona)
            response = browser.post(template.format(w=world), data=data, content_type=content_type)
            world = noted(app, world, response, failures, f"{persona} {endpoint}")
    assert failures == []


@pytest.mark.parametrize("value", QUERIES.values(), ids=QUERIES.keys())
def test_junk_in_every_query_parameter_never_gets_a_5xx(app, new_browser, value):
    world = build_world(app)
    browsers = {persona: new_signed_in(new_browser, world, persona) for persona in PERSONAS}
    query = "&".join(f"{name}={value}&{name}=2" for name in QUERY_PARAMETERS)
    failures = []
    for endpoint, method in GET_ROUTES:
        template, _ = ROUTES[(endpoint, method)]
        url = template.format(w=world).split("?")[0]
        for persona, browser in browsers.items():
            response = browser.get(url, query_string=query)
            if response.status_code >= 500:
                failures.append(f"{persona} {endpoint}: {response.status_code}")
    assert failures == []


def test_a_path_that_isnt_utf8_or_holds_a_nul_is_not_found(app, client, world):
    sign_in(client, world.person("admin"))
    for path in (
        "/clients/%ff%fe",
        "/clients/alpha%00/drafts/1",
        f"/clients/alpha/drafts/{world.draft_a.id}%00",
        "/clients/alpha/drafts/-1",
        "/clients/alpha/drafts/0",
        "/clients/alpha/drafts/1e3",
        "/clients/alpha/threads/%c0%80",
        "/unsubscribe/%ff%00",
        "/reset/%ff%00",
        "/invitations/" + "x" * 10_000,
    ):
        # 404 or 410 as a rule; PostgreSQL refuses a NUL in a text parameter (422).
        assert client.get(path).status_code in (404, 410, 422), path
