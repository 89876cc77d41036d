"""Gzip for text answers that are worth it, never for uploads, cookies or partial answers."""

import gzip
import io
import re

import pytest
from flask import Response, jsonify, session, stream_with_context
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import DraftKind, Version
from tests.factories import make_draft, png_bytes, sign_in

GZIP = {"Accept-Encoding": "gzip, deflate, br"}
# A signed CSRF token (its timestamp changes every second): payload.timestamp.signature
CSRF_TOKEN = re.compile(r"[\w-]{40,}\.[\w-]{6}\.[\w-]{27}")


@pytest.fixture
def bare_app():
    """A fresh app (no database needed) with a few answers of each kind to compress or not."""
    app = create_app(
        environ={"PORTAL_ENV": "testing", "SECRET_KEY": "s" * 40, "DATABASE_URL": "sqlite://"}
    )

    @app.get("/big.json")
    def big_json():
        return jsonify(items=[{"n": n, "text": "the same words again"} for n in range(100)])

    @app.get("/tiny.json")
    def tiny_json():
        return jsonify(ok=True)

    @app.get("/sets-cookie")
    def sets_cookie():
        response = Response("<p>" + "cookie " * 200 + "</p>", mimetype="text/html")
        response.set_cookie("flavour", "oat")
        return response

    @app.get("/changes-session")
    def changes_session():
        session["seen"] = True
        return "<p>" + "session " * 200 + "</p>"

    @app.get("/stream")
    def stream():
        chunks = ("<p>" + "chunk " * 200 + "</p>" for _ in range(3))
        return Response(stream_with_context(chunks), mimetype="text/html")

    @app.get("/picture")
    def picture():
        return Response(b"\x89PNG" + b"\0" * 2000, mimetype="image/png")

    return app


def test_json_over_the_threshold_is_gzipped_for_clients_that_ask(bare_app):
    client = bare_app.test_client()
    plain = client.get("/big.json")
    zipped = client.get("/big.json", headers=GZIP)
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data)
    for response in (plain, zipped):
        assert "Accept-Encoding" in response.vary


@pytest.mark.parametrize("accept", ["gzip;q=0", "identity", "br", ""])
def test_nothing_is_gzipped_for_clients_that_do_not_take_gzip(bare_app, accept):
    response = bare_app.test_client().get("/big.json", headers={"Accept-Encoding": accept})
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in response.vary


@pytest.mark.parametrize("path", ["/tiny.json", "/sets-cookie", "/changes-session", "/stream",
                                  "/picture"])  # fmt: skip
def test_small_cookie_setting_streamed_and_binary_answers_go_as_they_are(bare_app, path):
    response = bare_app.test_client().get(path, headers=GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert not response.data.startswith(b"\x1f\x8b")


def test_a_page_is_gzipped_once_its_session_stops_changing(client):
    first = client.get("/login", headers=GZIP)  # issues the session's CSRF secret
    assert "Content-Encoding" not in first.headers
    assert first.headers["Set-Cookie"].startswith("session=")
    client.get("/login")  # Flask-Login notes the visitor's session isn't fresh: one more cookie
    again = client.get("/login", headers=GZIP)
    assert "Set-Cookie" not in again.headers
    assert again.headers["Content-Encoding"] == "gzip"
    assert 'name="csrf_token"' in gzip.decompress(again.data).decode()


def test_a_signed_in_page_is_gzipped_and_still_never_stored(client, world):
    sign_in(client, world.person("client_member_a"))
    client.get("/inbox")
    plain = client.get("/inbox")
    zipped = client.get("/inbox", headers=GZIP)
    assert zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Cache-Control"] == "no-store"
    assert {"Cookie", "Accept-Encoding"} <= set(zipped.vary)
    page = gzip.decompress(zipped.data).decode()
    assert CSRF_TOKEN.sub("", page) == CSRF_TOKEN.sub("", plain.text)
    assert CSRF_TOKEN.search(page)


def test_a_static_file_is_gzipped_and_revalidates_under_its_own_etag(client):
    url = re.search(r'href="(/static/css/portal\.css\?v=\w+)"', client.get("/login").text)[1]
    plain = client.get(url)
    zipped = client.get(url, headers=GZIP)
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] == plain.headers["ETag"][:-1] + '-gzip"'
    assert "Accept-Ranges" not in zipped.headers
    again = client.get(url, headers={**GZIP, "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304
    assert not again.data
    assert "Accept-Encoding" in again.vary
    plain.close()
    zipped.close()


def test_a_static_byte_range_is_answered_uncompressed(client):
    response = client.get("/static/css/portal.css", headers={**GZIP, "Range": "bytes=0-9"})
    assert response.status_code == 206
    assert "Content-Encoding" not in response.headers
    assert len(response.data) == 10


def test_an_uploaded_file_is_served_as_sent_with_its_etag_and_ranges(
    app, account, designer, reviewer
):
    with app.app_context():
        draft = make_draft(account.project, account.designer, DraftKind.IMAGE, title="Label")
    designer.post(
        account.draft_url(draft, "/versions/new"),
        data={"file": (io.BytesIO(png_bytes()), "label.png", "image/png"), "note": "Here."},
        content_type="multipart/form-data",
    )
    with app.app_context():
        version = db.session.scalar(select(Version).where(Version.draft_id == draft.id))
    for what in ("file", "download"):
        url = account.version_url(version, what)
        served = reviewer.get(url, headers=GZIP)
        assert served.status_code == 200
        assert "Content-Encoding" not in served.headers
        assert served.data == png_bytes()
        assert served.headers["ETag"] == f'"{version.file_hash}"'
        again = reviewer.get(url, headers={**GZIP, "If-None-Match": served.headers["ETag"]})
        assert again.status_code == 304
        part = reviewer.get(url, headers={**GZIP, "Range": "bytes=0-7"})
        assert part.status_code == 206
        assert part.data == png_bytes()[:8]
