"""The rate-limit bypass corpus (issue 12): every spelling of an address that reaches an
account counts against that account's limit, and nothing else a guesser controls (forged
proxy headers, added or repeated fields, another body encoding) opens a fresh counter.

An address reaches the account when the form, after dropping control characters, folds it
to the stored one (``fold_email``: surrounding whitespace stripped, case folded, so ``ß`` is
``ss`` and the Kelvin sign is ``k``). Compatibility forms (full-width letters), invisible
characters and ``+tags`` are not folded: they name no account, so they must not sign in.
The single-character cases of defects 1 and 2 are in tests/auth/test_rate_limits.py.
"""

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portal.extensions import db
from portal.models import EmailMessage, StaffRole
from tests.auth.helpers import location, log_in
from tests.factories import TEST_PASSWORD, make_staff

PER_ACCOUNT = 5
ADDRESS = "kessler@agency.test"

# Spellings the form reads as ADDRESS: each signs in with the right password.
REACHING = {
    "start of heading": ADDRESS + "\x01",
    "nul inside": "kess\x00ler@agency.test",
    "delete": "\x7fkessler@agency.test",
    "vertical tab and form feed": "\x0bkessler@agency.test\x0c",
    "surrounding spaces and tab": "  kessler@agency.test\t",
    "line breaks": "\r\nkessler@agency.test\n",
    "no-break and ideographic spaces": "\u00a0kessler@agency.test\u3000",
    "upper case": "KESSLER@AGENCY.TEST",
    "title case": "Kessler@Agency.Test",
    "sharp s": "keßler@agency.test",
    "capital sharp s": "KEẞLER@agency.test",
    "long s": "ke\u017f\u017fler@agency.test",
    "kelvin sign": "\u212aessler@agency.test",
    "all at once": "\x02 \u212aE\u1e9eLER@Agency.TEST\x1f\n",
}
# Spellings that name no account: they must not sign in to ADDRESS's.
NOT_REACHING = {
    "full-width letters": "\uff4b\uff45\uff53\uff53\uff4c\uff45\uff52@agency.test",
    "full-width at sign": "kessler\uff20agency.test",
    "zero-width space": "kess\u200bler@agency.test",
    "soft hyphen": "kess\u00adler@agency.test",
    "right-to-left override": ADDRESS + "\u202e",
    "plus tag": "kessler+guess@agency.test",
    "combining accent": "kesśler@agency.test",
}
FORGED_HEADERS = [
    {"X-Forwarded-For": "192.0.2.1"},
    {"X-Forwarded-For": "192.0.2.2, 198.51.100.2"},
    {"X-Real-IP": "192.0.2.3"},
    {"Forwarded": "for=192.0.2.4"},
    {"True-Client-IP": "192.0.2.5"},
    {"CF-Connecting-IP": "192.0.2.6"},
]


@pytest.fixture
def owner(app):
    """The account under attack: a copywriter whose address has a k and a double s."""
    with app.app_context():
        return make_staff(StaffRole.COPYWRITER, name="Kim Kessler", email=ADDRESS)


def from_address(n: int) -> dict:
    return {"environ_base": {"REMOTE_ADDR": f"203.0.113.{n}"}}


@pytest.mark.parametrize("spelling", REACHING.values(), ids=REACHING.keys())
def test_a_spelling_that_reaches_the_account_counts_against_it(new_browser, owner, spelling):
    assert location(log_in(new_browser(), spelling)) == "/", "the spelling reaches the account"

    guesser = new_browser()
    for _ in range(PER_ACCOUNT):
        assert log_in(guesser, spelling, "a wrong guess").status_code == 401
    assert log_in(new_browser(), ADDRESS).status_code == 429
    assert log_in(new_browser(), spelling).status_code == 429


def test_guesses_spread_over_every_spelling_share_one_limit(new_browser, owner):
    spellings = list(REACHING.values())
    for spelling in spellings[:PER_ACCOUNT]:
        assert log_in(new_browser(), spelling, "a wrong guess").status_code == 401
    escaped = {
        name: response.status_code
        for name, spelling in REACHING.items()
        if spelling not in spellings[:PER_ACCOUNT]
        and (response := log_in(new_browser(), spelling)).status_code != 429
    }
    assert escaped == {}


@pytest.mark.parametrize("spelling", NOT_REACHING.values(), ids=NOT_REACHING.keys())
def test_a_spelling_the_portal_does_not_fold_names_no_account(new_browser, owner, spelling):
    # Not counted as the account, and not the account either: no guess at its password.
    assert log_in(new_browser(), spelling).status_code in (401, 422)


def test_no_spelling_sends_the_owner_more_reset_emails_than_the_limit(app, client, owner):
    spellings = [*REACHING.values(), *NOT_REACHING.values()]
    for n, spelling in enumerate(spellings):
        # From a fresh address each time: only the per-account limit is under test.
        response = client.post("/reset", data={"email": spelling}, **from_address(n))
        assert response.status_code in (302, 422, 429), spelling
    with app.app_context():
        sent = db.session.scalar(select(func.count()).where(EmailMessage.to_user_id == owner.id))
    assert sent == PER_ACCOUNT


def test_forged_proxy_headers_do_not_open_a_fresh_account_limit(client, owner):
    for headers in FORGED_HEADERS[:PER_ACCOUNT]:
        assert log_in(client, ADDRESS, "a wrong guess", headers=headers).status_code == 401
    for headers in FORGED_HEADERS:
        assert log_in(client, ADDRESS, headers=headers).status_code == 429, headers


ADDED_FIELDS = {
    "the address twice": MultiDict([("email", ADDRESS), ("email", "decoy@agency.test")]),
    "another spelling second": MultiDict([("email", ADDRESS), ("email", ADDRESS.upper())]),
    "extra fields": {"email": ADDRESS, "user_id": "1", "remember": "y", "account": "x"},
    "an empty field of another name": {"email": ADDRESS, "Email": "", "e-mail": "decoy@x.test"},
}


@pytest.mark.parametrize("fields", ADDED_FIELDS.values(), ids=ADDED_FIELDS.keys())
def test_added_fields_do_not_open_a_fresh_account_limit(new_browser, owner, fields):
    for _ in range(PER_ACCOUNT):
        assert log_in(new_browser(), ADDRESS, "a wrong guess").status_code == 401
    data = MultiDict(fields)
    data.add("password", TEST_PASSWORD)
    assert new_browser().post("/login", data=data).status_code == 429
    multipart = new_browser().post("/login", data=data, content_type="multipart/form-data")
    assert multipart.status_code == 429
    in_the_query = new_browser().post(
        "/login", query_string={"email": "decoy@agency.test"}, data=data
    )
    assert in_the_query.status_code == 429


def test_a_json_body_is_no_guess_at_the_password(new_browser, owner):
    # Flask-WTF reads a JSON body the limit's key did not: such guesses were counted on no
    # account. The forms read only what a browser sends, so it is an empty form.
    for _ in range(PER_ACCOUNT):
        response = new_browser().post("/login", json={"email": ADDRESS, "password": "a guess"})
        assert response.status_code == 422
    assert location(log_in(new_browser(), ADDRESS)) == "/"
    for _ in range(PER_ACCOUNT):
        assert log_in(new_browser(), ADDRESS, "a wrong guess").status_code == 401
    signing_in = new_browser().post("/login", json={"email": ADDRESS, "password": TEST_PASSWORD})
    assert signing_in.status_code in (422, 429)
