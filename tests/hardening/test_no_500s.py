"""Inputs a security probe turned into 500s: each now gets a 4xx or is taken as meant."""

from portal.models import Decision, User, Version
from tests.drafts.helpers import rows
from tests.factories import TEST_PASSWORD, sign_in
from tests.review import make_draft_in_review


def test_a_decision_posted_without_a_note_field_is_recorded(app, account, reviewer):
    with app.app_context():
        draft = make_draft_in_review(account, title="Homepage intro")
    version_id = draft_version_id(app, draft)
    response = reviewer.post(
        account.draft_url(draft, "/decision"),
        data={"version_id": version_id, "verdict": "approved"},
    )
    assert response.status_code == 302
    (decision,) = rows(app, Decision, Decision.draft_id == draft.id)
    assert decision.note == ""


def test_whitespace_for_quiet_hours_means_none(app, account, reviewer):
    response = reviewer.post(
        "/account/notifications",
        data={
            "email_frequency": "daily",
            "digest_hour": "8",
            "digest_weekday": "0",
            "quiet_from": " ",
            "quiet_until": "\t",
        },
    )
    assert response.status_code == 302
    (user,) = rows(app, User, User.id == account.reviewer.id)
    assert (user.quiet_from, user.quiet_until) == (None, None)


def test_a_line_break_in_next_after_sign_in_goes_home_not_to_a_500(client, account):
    response = client.post(
        "/login?next=/inbox%0d%0aSet-Cookie:%20evil=1",
        data={"email": account.reviewer.email, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "evil" not in response.headers.get("Set-Cookie", "")


def test_a_line_break_in_next_for_someone_signed_in_goes_home(client, account):
    sign_in(client, account.reviewer)
    response = client.get("/login?next=/inbox%0aX:1")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def draft_version_id(app, draft) -> int:
    (version,) = rows(app, Version, Version.draft_id == draft.id)
    return version.id
