"""Every route against every persona: who gets through, and what everyone else gets.

One test per route walks all nine personas. Each row names, for every persona, one outcome:
ALLOWED (a 2xx or 3xx answer), LOGIN (sent to sign in), FORBIDDEN (403), HIDDEN (404), or
what a request that got past the access check earns: BAD (400), CONFLICT (409), GONE (410)
or INVALID (422). The matrix sends every request without fields, so most forms answer
INVALID to whoever may use them; any other status (401, 405, 429, 500) matches no row.

A route the app serves without a row in ROUTES fails ``test_every_route_is_in_the_matrix``.

The guest (a confirmed link to draft_a, allowed to decide) gets 404 on every route unless
its row says otherwise: only their draft's routes, the link itself, logging out and the
static files let a guest through (``portal.access.GUEST_ENDPOINTS``).
"""

import pytest

from portal.extensions import limiter
from tests.conftest import empty_database
from tests.personas import GUEST_TOKEN, INVITATION_TOKEN, PERSONAS, RESET_TOKEN, build_world

ALLOWED, LOGIN = "ALLOWED (2xx/3xx)", "LOGIN (redirect to sign in)"
BAD, FORBIDDEN, HIDDEN = "BAD (400)", "FORBIDDEN (403)", "HIDDEN (404)"
CONFLICT, GONE, INVALID = "CONFLICT (409)", "GONE (410)", "INVALID (422)"
REFUSALS = {400: BAD, 403: FORBIDDEN, 404: HIDDEN, 409: CONFLICT, 410: GONE, 422: INVALID}
OUTCOMES = {ALLOWED, LOGIN, *REFUSALS.values()}


def outcomes(*per_persona: str, guest: str = HIDDEN) -> dict:
    """One outcome for each persona, in the order of PERSONAS: anonymous, client_member_a,
    client_admin_a, client_b, staff_not_on_a, maker_on_a, account_manager_a, admin; then the
    guest's, HIDDEN unless given."""
    return dict(zip(PERSONAS, (*per_persona, guest), strict=True))


def empty_form(rule: dict, outcome: str) -> dict:
    """What a request without fields gets under ``rule``: ``outcome`` for every persona the
    rule lets through (the form is judged only once access is granted), the rest unchanged."""
    return {persona: outcome if got == ALLOWED else got for persona, got in rule.items()}


EVERYONE = outcomes(ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED)
SIGNED_IN = EVERYONE | {"anonymous": LOGIN}
VIEW_CLIENT_A = outcomes(LOGIN, ALLOWED, ALLOWED, HIDDEN, HIDDEN, ALLOWED, ALLOWED, ALLOWED)
WORK_ON_CLIENT_A = outcomes(LOGIN, FORBIDDEN, FORBIDDEN, HIDDEN, HIDDEN, ALLOWED, ALLOWED, ALLOWED)
INVITE_TO_CLIENT_A = outcomes(LOGIN, FORBIDDEN, ALLOWED, HIDDEN, HIDDEN, ALLOWED, ALLOWED, ALLOWED)
MANAGE_PEOPLE_OF_A = outcomes(
    LOGIN, FORBIDDEN, ALLOWED, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED
)
ADMINS = dict.fromkeys(PERSONAS, FORBIDDEN) | {
    "anonymous": LOGIN,
    "admin": ALLOWED,
    "guest": HIDDEN,
}
# On a row that does not exist: only an admin gets as far as finding that out.
ADMINS_ON_MISSING = ADMINS | {"admin": HIDDEN}
DECIDE_ON_CLIENT_A = outcomes(
    LOGIN, ALLOWED, ALLOWED, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN
)
# On the comment client_member_a wrote:
AUTHOR_ONLY = outcomes(LOGIN, ALLOWED, FORBIDDEN, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN)
AUTHOR_OR_ADMIN = AUTHOR_ONLY | {"admin": ALLOWED}
AUTHOR_OR_STAFF = outcomes(LOGIN, ALLOWED, FORBIDDEN, HIDDEN, HIDDEN, ALLOWED, ALLOWED, ALLOWED)
# On a staff-only note, which client users cannot see at all:
STAFF_ON_CLIENT_A = outcomes(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, ALLOWED, ALLOWED, ALLOWED)
# The guest's own draft (draft_a), its versions, and their pictures:
VIEW_DRAFT_A = VIEW_CLIENT_A | {"guest": ALLOWED}
# Relationship health: the people who lead accounts and admins; makers and clients never.
HEALTH_LEADS = outcomes(
    LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED, ALLOWED
)
HEALTH_OF_A = outcomes(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, ALLOWED, ALLOWED)

A = "/clients/alpha"
PROJECT_A = A + "/projects/{w.project_a.id}"
TEAM_A = "/admin/clients/alpha/team"
DRAFT_A = A + "/drafts/{w.draft_a.id}"
VERSION_A = A + "/versions/{w.version_a.id}"
THREAD_A = A + "/threads/{w.thread_a.id}"
CLIENT_COMMENT_A = A + "/comments/{w.client_comment_a.id}"
NOTE_A = A + "/comments/{w.staff_note_a.id}"

# (endpoint, method) -> (URL, possibly naming rows of the world as {w.…}; expected outcomes)
ROUTES = {
    ("static", "GET"): ("/static/css/portal.css", EVERYONE | {"guest": ALLOWED}),
    ("home.healthz", "GET"): ("/healthz", EVERYONE | {"guest": ALLOWED}),
    ("home.index", "GET"): ("/", SIGNED_IN),
    ("auth.login", "GET"): ("/login", EVERYONE),
    # Someone signed in already is sent on without the form being read.
    ("auth.login", "POST"): ("/login", EVERYONE | {"anonymous": INVALID}),
    ("auth.logout", "POST"): ("/logout", SIGNED_IN | {"guest": ALLOWED}),
    ("auth.request_reset", "GET"): ("/reset", EVERYONE),
    ("auth.request_reset", "POST"): ("/reset", empty_form(EVERYONE, INVALID)),
    ("auth.reset_password", "GET"): (f"/reset/{RESET_TOKEN}", EVERYONE),
    ("auth.reset_password", "POST"): (f"/reset/{RESET_TOKEN}", empty_form(EVERYONE, INVALID)),
    ("account.profile", "GET"): ("/account", SIGNED_IN),
    ("account.profile", "POST"): ("/account", empty_form(SIGNED_IN, INVALID)),
    ("account.revoke_reply_addresses", "POST"): ("/account/reply-addresses/revoke", SIGNED_IN),
    ("account.password", "GET"): ("/account/password", SIGNED_IN),
    ("account.password", "POST"): ("/account/password", empty_form(SIGNED_IN, INVALID)),
    ("clients.home", "GET"): (A, VIEW_CLIENT_A),
    ("clients.project", "GET"): (PROJECT_A, VIEW_CLIENT_A),
    ("clients.new_project", "GET"): (A + "/projects/new", WORK_ON_CLIENT_A),
    ("clients.new_project", "POST"): (A + "/projects/new", empty_form(WORK_ON_CLIENT_A, INVALID)),
    ("clients.edit_project", "GET"): (PROJECT_A + "/edit", WORK_ON_CLIENT_A),
    ("clients.edit_project", "POST"): (PROJECT_A + "/edit", empty_form(WORK_ON_CLIENT_A, INVALID)),
    ("clients.approval_rule", "POST"): (
        A + "/approval-rule",
        empty_form(WORK_ON_CLIENT_A, INVALID),
    ),
    ("invitations.invite_client_user", "GET"): (A + "/invitations", INVITE_TO_CLIENT_A),
    ("invitations.invite_client_user", "POST"): (
        A + "/invitations",
        empty_form(INVITE_TO_CLIENT_A, INVALID),
    ),
    ("clients.people", "GET"): (A + "/people", INVITE_TO_CLIENT_A),
    ("clients.deactivate_person", "POST"): (
        A + "/people/{w.people[client_member_a].id}/deactivate",
        MANAGE_PEOPLE_OF_A,
    ),
    ("clients.reactivate_person", "POST"): (
        A + "/people/{w.people[client_member_a].id}/reactivate",
        MANAGE_PEOPLE_OF_A,
    ),
    # View as client: staff who may work on client A, as one of its people; anyone signed in
    # may stop (a no-op outside the mode).
    ("view_as.start", "POST"): (
        A + "/people/{w.people[client_member_a].id}/view-as",
        WORK_ON_CLIENT_A,
    ),
    ("view_as.stop", "POST"): ("/view-as/stop", SIGNED_IN),
    ("view_as.log", "GET"): ("/admin/view-as", ADMINS),
    ("invitations.accept", "GET"): (f"/invitations/{INVITATION_TOKEN}", EVERYONE),
    ("invitations.accept", "POST"): (
        f"/invitations/{INVITATION_TOKEN}",
        empty_form(EVERYONE, INVALID),
    ),
    ("admin.clients", "GET"): ("/admin/clients", ADMINS),
    ("admin.create_client", "POST"): ("/admin/clients", empty_form(ADMINS, INVALID)),
    ("admin.archive_client", "POST"): ("/admin/clients/alpha/archive", ADMINS),
    ("admin.restore_client", "POST"): ("/admin/clients/alpha/restore", ADMINS),
    ("admin.team", "GET"): (TEAM_A, ADMINS),
    ("admin.assign", "POST"): (TEAM_A, empty_form(ADMINS, INVALID)),
    ("admin.update_assignment", "POST"): (TEAM_A + "/{w.assignment_a.id}", ADMINS),
    ("admin.unassign", "POST"): (TEAM_A + "/{w.assignment_a.id}/remove", ADMINS),
    ("admin.people", "GET"): ("/admin/people", ADMINS),
    ("admin.change_role", "POST"): (
        "/admin/people/{w.people[staff_not_on_a].id}/role",
        empty_form(ADMINS, INVALID),
    ),
    ("admin.deactivate", "POST"): (
        "/admin/people/{w.people[client_member_a].id}/deactivate",
        ADMINS,
    ),
    ("admin.reactivate", "POST"): (
        "/admin/people/{w.people[client_member_a].id}/reactivate",
        ADMINS,
    ),
    ("admin.invite_staff", "GET"): ("/admin/staff/invitations", ADMINS),
    ("admin.invite_staff", "POST"): ("/admin/staff/invitations", empty_form(ADMINS, INVALID)),
    ("admin.outbox", "GET"): ("/admin/outbox", ADMINS),
    ("admin.email", "GET"): ("/admin/outbox/999999", ADMINS_ON_MISSING),
    ("admin.retry_email", "POST"): ("/admin/outbox/999999/retry", ADMINS_ON_MISSING),
    ("admin.jobs", "GET"): ("/admin/jobs", ADMINS),
    ("admin.retry_job", "POST"): ("/admin/jobs/no-such-job/retry", ADMINS_ON_MISSING),
    ("health.index", "GET"): ("/health", HEALTH_LEADS),
    ("health.recompute_all", "POST"): ("/health/recompute", HEALTH_LEADS),
    ("health.client", "GET"): (A + "/health", HEALTH_OF_A),
    ("health.pulse", "POST"): (A + "/health/pulse", empty_form(HEALTH_OF_A, INVALID)),
    ("health.recompute", "POST"): (A + "/health/recompute", HEALTH_OF_A),
    ("health.weights", "GET"): ("/admin/health/weights", ADMINS),
    ("health.weights", "POST"): ("/admin/health/weights", empty_form(ADMINS, INVALID)),
    ("drafts.new_draft", "GET"): (PROJECT_A + "/drafts/new", WORK_ON_CLIENT_A),
    ("drafts.new_draft", "POST"): (
        PROJECT_A + "/drafts/new",
        empty_form(WORK_ON_CLIENT_A, INVALID),
    ),
    ("drafts.show", "GET"): (DRAFT_A, VIEW_DRAFT_A),
    ("drafts.new_version", "GET"): (DRAFT_A + "/versions/new", WORK_ON_CLIENT_A),
    ("drafts.new_version", "POST"): (
        DRAFT_A + "/versions/new",
        empty_form(WORK_ON_CLIENT_A, INVALID),
    ),
    ("drafts.compare", "GET"): (DRAFT_A + "/compare?from=1&to=1", VIEW_DRAFT_A),
    # The guest was allowed to decide (one who wasn't: tests/guests).
    ("drafts.decide", "POST"): (
        DRAFT_A + "/decision",
        empty_form(DECIDE_ON_CLIENT_A | {"guest": ALLOWED}, INVALID),
    ),
    ("drafts.change_reviewers", "POST"): (
        DRAFT_A + "/reviewers",
        empty_form(WORK_ON_CLIENT_A, INVALID),
    ),
    # Without a review_due field: refused as empty; a nudge to a reviewer who owes a
    # decision on version_a (client_member_a) goes out.
    ("reminders.set_review_due", "POST"): (
        DRAFT_A + "/review-due",
        empty_form(WORK_ON_CLIENT_A, INVALID),
    ),
    ("reminders.nudge", "POST"): (
        DRAFT_A + "/reviewers/{w.people[client_member_a].id}/nudge",
        WORK_ON_CLIENT_A,
    ),
    ("drafts.file", "GET"): (VERSION_A + "/file", VIEW_DRAFT_A),
    ("drafts.download", "GET"): (VERSION_A + "/download", VIEW_DRAFT_A),
    ("drafts.stage", "GET"): (VERSION_A + "/stage", VIEW_DRAFT_A),
    ("drafts.thumbnail", "GET"): (VERSION_A + "/thumbnail", VIEW_DRAFT_A),
    # version_a is an image, so it has no pages for anyone (a PDF's: tests/drafts/test_markup.py).
    ("drafts.page_image", "GET"): (VERSION_A + "/pages/1", empty_form(VIEW_DRAFT_A, HIDDEN)),
    # Guests: staff who may work on A share its drafts and revoke links (grant 999999 is
    # none); the link itself is anyone's to open, the guest's as much as a stranger's.
    ("guests.invite", "POST"): (DRAFT_A + "/guests", empty_form(WORK_ON_CLIENT_A, INVALID)),
    ("guests.revoke", "POST"): (
        DRAFT_A + "/guests/999999/revoke",
        empty_form(WORK_ON_CLIENT_A, HIDDEN),
    ),
    ("guests.open_link", "GET"): (f"/guest/{GUEST_TOKEN}", EVERYONE | {"guest": ALLOWED}),
    ("guests.open_link", "POST"): (
        f"/guest/{GUEST_TOKEN}",
        # The guest's own link, already confirmed here, goes straight to the draft.
        empty_form(EVERYONE, INVALID) | {"guest": ALLOWED},
    ),
    ("threads.show", "GET"): (THREAD_A, VIEW_CLIENT_A),
    ("threads.post", "POST"): (THREAD_A + "/comments", empty_form(VIEW_CLIENT_A, INVALID)),
    ("threads.since", "GET"): (THREAD_A + "/comments?after=0", VIEW_CLIENT_A),
    ("threads.older", "GET"): (THREAD_A + "/comments/older?before=99999", VIEW_CLIENT_A),
    # No ``up_to``: a request no form of ours sends.
    ("threads.read", "POST"): (THREAD_A + "/read", empty_form(VIEW_CLIENT_A, BAD)),
    ("threads.edit", "GET"): (CLIENT_COMMENT_A + "/edit", AUTHOR_ONLY),
    ("threads.edit", "POST"): (CLIENT_COMMENT_A + "/edit", empty_form(AUTHOR_ONLY, INVALID)),
    ("threads.delete", "POST"): (CLIENT_COMMENT_A + "/delete", AUTHOR_OR_ADMIN),
    ("threads.resolve", "POST"): (CLIENT_COMMENT_A + "/resolve", AUTHOR_OR_STAFF),
    ("threads.reopen", "POST"): (CLIENT_COMMENT_A + "/reopen", AUTHOR_OR_STAFF),
    ("threads.promote", "GET"): (NOTE_A + "/promote", STAFF_ON_CLIENT_A),
    ("threads.promote", "POST"): (NOTE_A + "/promote", STAFF_ON_CLIENT_A),
    ("threads.new_conversation", "GET"): (A + "/conversations/new", VIEW_CLIENT_A),
    ("threads.new_conversation", "POST"): (
        A + "/conversations/new",
        empty_form(VIEW_CLIENT_A, INVALID),
    ),
    ("threads.new_thread", "GET"): (PROJECT_A + "/threads/new", VIEW_CLIENT_A),
    ("threads.new_thread", "POST"): (
        PROJECT_A + "/threads/new",
        empty_form(VIEW_CLIENT_A, INVALID),
    ),
    ("inbox.index", "GET"): ("/inbox", SIGNED_IN),
    # Everyone signed in searches what they may see (tests/search: what each one finds).
    ("search.index", "GET"): ("/search?q=when+due", SIGNED_IN),
    ("account.notifications", "GET"): ("/account/notifications", SIGNED_IN),
    ("account.notifications", "POST"): ("/account/notifications", SIGNED_IN),
    ("account.digest_preview", "GET"): ("/account/digest", SIGNED_IN),
    # The signed token is the credential: anyone holding the e-mail may use it.
    ("unsubscribe.unsubscribe", "GET"): ("/unsubscribe/{w.unsubscribe_token}", EVERYONE),
    ("unsubscribe.unsubscribe", "POST"): ("/unsubscribe/{w.unsubscribe_token}", EVERYONE),
    ("threads.follow", "POST"): (THREAD_A + "/follow", empty_form(VIEW_CLIENT_A, INVALID)),
}


def served_routes(app):
    """Every (endpoint, method) the app answers, leaving out what Flask adds by itself."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_is_in_the_matrix(app):
    served = served_routes(app)
    assert served - ROUTES.keys() == set(), "routes with no row in the access matrix"
    assert ROUTES.keys() - served == set(), "matrix rows for routes the app no longer has"


def test_every_row_names_an_outcome_for_every_persona():
    for key, (_url, expected) in ROUTES.items():
        assert list(expected) == list(PERSONAS), key
        assert set(expected.values()) <= OUTCOMES, key


def classify(response) -> object:
    """What a persona got: one of OUTCOMES, or the status code when it is none of them."""
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and location.startswith("/login?next="):
        return LOGIN
    if 200 <= response.status_code < 400:
        return ALLOWED
    return REFUSALS.get(response.status_code, response.status_code)


@pytest.mark.parametrize(("endpoint", "method"), sorted(ROUTES))
def test_access(app, new_browser, endpoint, method):
    """Each persona in turn; the world is rebuilt after any request that may have changed it."""
    url_template, expected = ROUTES[(endpoint, method)]
    world, mismatches = build_world(app), []
    for persona in PERSONAS:
        limiter.reset()
        browser = new_browser()
        if world.person(persona) is not None:
            world.sign_in(browser, persona)
        response = browser.open(url_template.format(w=world), method=method, data={})
        outcome = classify(response)
        if outcome != expected[persona]:
            mismatches.append(
                f"{persona}: expected {expected[persona]}, got {outcome} "
                f"({response.status_code} {response.headers.get('Location', '')})"
            )
        if method != "GET" and response.status_code < 400:
            empty_database(app)
            world = build_world(app)
    assert mismatches == [], f"{method} {url_template}"
