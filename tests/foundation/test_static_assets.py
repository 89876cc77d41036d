"""Static files: versioned URLs kept for a year; anything else checked again."""

import hashlib
import os
import re
from pathlib import Path

import pytest

from portal.assets import IMMUTABLE, static_version
from tests.factories import sign_in

STATIC = Path(__file__).resolve().parents[2] / "portal" / "static"


def static_urls(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', page)


def test_every_static_url_on_a_page_names_the_files_content(client):
    urls = static_urls(client.get("/login").text)
    assert len(urls) == 3
    for url in urls:
        path, version = re.fullmatch(r"/static/(.+)\?v=([0-9a-f]{12})", url).groups()
        assert version == hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]


@pytest.mark.parametrize("persona", ["anonymous", "client_member_a"])
def test_a_versioned_static_file_is_cached_for_a_year(client, world, persona):
    if world.person(persona):
        sign_in(client, world.person(persona))
    urls = static_urls(client.get("/login", follow_redirects=True).text)
    assert len(urls) == 3
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == IMMUTABLE
        assert response.headers["Vary"] == "Accept-Encoding"  # not Cookie: one copy for all
        assert "Set-Cookie" not in response.headers
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
        assert again.headers["Cache-Control"] == IMMUTABLE


@pytest.mark.parametrize("query", ["", "?v=000000000000", "?v="])
def test_an_unversioned_or_stale_static_url_is_checked_again(client, query):
    response = client.get(f"/static/css/portal.css{query}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    again = client.get(
        f"/static/css/portal.css{query}", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_missing_static_file_is_a_404_and_not_cached(client):
    response = client.get("/static/css/nope.css?v=000000000000")
    assert response.status_code == 404
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_a_file_gets_a_new_version_when_it_changes(tmp_path):
    asset = tmp_path / "app.css"
    asset.write_text("body { color: red; }")
    first = static_version(str(tmp_path), "app.css")
    assert first == hashlib.sha256(b"body { color: red; }").hexdigest()[:12]
    assert static_version(str(tmp_path), "app.css") == first

    asset.write_text("body { color: blue; }")
    os.utime(asset, ns=(1, 1))  # a different mtime even on a coarse clock
    assert static_version(str(tmp_path), "app.css") not in (None, first)


@pytest.mark.parametrize("name", ["../secret.txt", "missing.css", ".", "/etc/hostname"])
def test_only_files_inside_the_static_folder_get_a_version(tmp_path, name):
    (tmp_path / "secret.txt").write_text("no")
    static = tmp_path / "static"
    static.mkdir()
    assert static_version(str(static), name) is None
