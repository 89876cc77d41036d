"""Small helpers for the sign-in tests: the real forms, the cookies, and what a page says."""

import html
import re

from tests.factories import TEST_PASSWORD

# The app's SERVER_NAME: the test client files every cookie under this domain.
DOMAIN = "portal.test"
LOGIN_FAILED = "That e-mail and password don't match an active account."
TOO_MANY = "Too many attempts. Please wait a minute and try again."


def log_in(browser, email, password=TEST_PASSWORD, *, remember=False, next=None, **kwargs):
    """Submit the sign-in form as a browser would."""
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    query = {"next": next} if next is not None else None
    return browser.post("/login", query_string=query, data=data, **kwargs)


def is_signed_in(browser) -> bool:
    """Whether opening the home page gets through rather than going to the sign-in page."""
    response = browser.get("/")
    return not (response.status_code == 302 and location(response).startswith("/login"))


def location(response) -> str:
    return response.headers.get("Location", "")


def cookies_of(browser, *names) -> dict[str, str]:
    """The current values of the named cookies; each must be there."""
    found = {}
    for name in names:
        cookie = browser.get_cookie(name, domain=DOMAIN)
        assert cookie is not None, f"the browser has no {name} cookie"
        found[name] = cookie.value
    return found


def browser_with(new_browser, cookies: dict[str, str]):
    """A fresh browser holding only ``cookies``: someone replaying them elsewhere."""
    browser = new_browser()
    for name, value in cookies.items():
        browser.set_cookie(name, value, domain=DOMAIN)
    return browser


def set_cookie_attributes(response, name) -> dict[str, str] | None:
    """The attributes of the Set-Cookie header for ``name`` (lower-case keys), or None."""
    for header in response.headers.getlist("Set-Cookie"):
        first, *attributes = (part.strip() for part in header.split(";"))
        key, _, value = first.partition("=")
        if key == name:
            found = {"value": value}
            for attribute in attributes:
                attribute_name, _, attribute_value = attribute.partition("=")
                found[attribute_name.lower()] = attribute_value
            return found
    return None


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def flashed_messages(response) -> list[str]:
    """The flash messages shown on a page, unescaped."""
    body = response.get_data(as_text=True)
    return [
        html.unescape(message)
        for message in re.findall(r'<p class="flash flash-\w+">(.*?)</p>', body, re.S)
    ]
