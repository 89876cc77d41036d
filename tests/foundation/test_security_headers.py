"""Every HTML response carries the security headers, whoever asks and whatever the status."""

import pytest

from portal import create_app
from tests.access.test_matrix import ROUTES
from tests.factories import sign_in

GET_URLS = sorted(url for (endpoint, method), (url, _) in ROUTES.items() if method == "GET")


def assert_secure_html(response):
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("persona", ["anonymous", "client_member_a", "admin"])
def test_every_html_page_has_the_security_headers(client, world, persona):
    if world.person(persona):
        sign_in(client, world.person(persona))
    html_pages = 0
    for url in GET_URLS:
        response = client.get(url.format(w=world), follow_redirects=True)
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        if response.mimetype == "text/html":
            html_pages += 1
            assert_secure_html(response)
    assert html_pages > 5


def test_error_pages_have_the_security_headers_and_are_friendly(client, world):
    sign_in(client, world.person("client_b"))
    response = client.get("/clients/alpha")
    assert response.status_code == 404
    assert_secure_html(response)
    assert "Go to your home page" in response.text
    assert "Alpha" not in response.text


def test_static_files_stay_cacheable(client):
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"


def test_hsts_and_secure_cookies_only_in_production():
    production = create_app(
        environ={
            "PORTAL_ENV": "production",
            "SECRET_KEY": "s" * 40,
            "DATABASE_URL": "postgresql://portal@db.invalid/portal",
        }
    )
    assert production.config["SESSION_COOKIE_SECURE"]
    assert production.config["REMEMBER_COOKIE_SECURE"]
    response = production.test_client().get("/static/css/portal.css")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_no_hsts_in_the_embedded_mode(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_pages_load_no_external_assets(client):
    page = client.get("/login").text
    assert "http://" not in page.replace("http://portal.test", "")
    assert "https://" not in page
    assert "/static/vendor/htmx/htmx-2.0.11.min.js" in page
