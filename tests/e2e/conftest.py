"""Browser tests: Debian's Chromium driven by Playwright against one live server per session."""

import re
import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.factories import TEST_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def is_form_refusal(console_text: str) -> bool:
    """Chromium logs every 4xx answer; a form's 409 or 422, drawn into the page, is no error."""
    return (
        re.fullmatch(
            r"Failed to load resource: the server responded with a status of 4(09|22) \(.*\)",
            console_text,
        )
        is not None
    )


class RequestsInFlight:
    """The app, counting the requests it is still answering, so that a test's end can wait
    for the ones its pages left running (a poll, a read mark) before the tables are emptied."""

    def __init__(self, app):
        self.app = app
        self.count = 0
        self.idle = threading.Condition()

    def __call__(self, environ, start_response):
        with self.idle:
            self.count += 1
        try:
            yield from self.app(environ, start_response)
        finally:
            with self.idle:
                self.count -= 1
                self.idle.notify_all()

    def wait_until_idle(self, timeout: float = 15) -> None:
        with self.idle:
            assert self.idle.wait_for(lambda: self.count == 0, timeout), "requests still running"


@pytest.fixture(scope="session")
def requests_in_flight(app):
    return RequestsInFlight(app)


@pytest.fixture(scope="session")
def live_server(requests_in_flight):
    """The session's app served over HTTP on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, requests_in_flight, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_browser(browser, live_server, requests_in_flight):
    """Open a fresh browser context signed in as ``user``; returns its page."""
    contexts, console_errors = [], []

    def open_as(user):
        context = browser.new_context(base_url=live_server)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: console_errors.append(f"JavaScript error: {error}"))
        page.on(
            "console",
            lambda message: (
                console_errors.append(message.text)
                if message.type == "error" and not is_form_refusal(message.text)
                else None
            ),
        )
        page.goto("/login")
        page.get_by_label("E-mail").fill(user.email)
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    yield open_as
    for context in contexts:
        context.close()
    requests_in_flight.wait_until_idle()
    assert console_errors == [], "the browser reported errors (CSP violations, script errors)"
