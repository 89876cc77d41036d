"""The pages the bench drives, who reads each, and signing those people in.

The list and its order are the bench's output format: keep them stable so that two runs
compare line by line (add new pages at the end).
"""

import http.client
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tests.perf.servers import HOST

USER_AGENT = "portal-bench/1"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
POST_BODY_PREFIX = "Bench comment"


@dataclass(frozen=True)
class Page:
    """One line of the table: ``persona`` asks for ``path``."""

    name: str
    persona: str
    path: str
    method: str = "GET"
    htmx: bool = False
    expect: int = 200
    headers: dict = field(default_factory=dict)


def bench_pages(personas: dict) -> list[Page]:
    """Every page of issue 10's list, on the busiest client's rows."""
    slug, ids = personas["client"]["slug"], personas["pages"]
    client = f"/clients/{slug}"
    big_thread = f"{client}/threads/{ids['draft_biggest_thread_id']}"
    return [
        Page("client home", "reviewer", client),
        Page("project", "reviewer", f"{client}/projects/{ids['project_id']}"),
        Page("draft, median thread", "reviewer", f"{client}/drafts/{ids['draft_median_id']}"),
        Page("draft, biggest thread", "reviewer", f"{client}/drafts/{ids['draft_biggest_id']}"),
        Page("thread", "reviewer", f"{client}/threads/{ids['thread_id']}"),
        Page("staff home (maker)", "maker", "/"),
        Page("inbox, client", "reviewer", "/inbox"),
        Page("inbox, maker", "maker", "/inbox"),
        Page("inbox, account manager", "account_manager", "/inbox"),
        Page("inbox, admin", "admin", "/inbox"),
        Page("admin people", "admin", "/admin/people"),
        Page("admin outbox", "admin", "/admin/outbox"),
        Page("digest preview (AM)", "account_manager", "/account/digest"),
        Page(
            "polling (nothing new)",
            "reviewer",
            f"{big_thread}/comments?after={ids['draft_biggest_last_comment_id']}",
            htmx=True,
            expect=204,
        ),
        Page(
            "older comments",
            "reviewer",
            f"{big_thread}/comments/older?before={ids['draft_biggest_older_before_id']}",
            htmx=True,
        ),
        Page(
            "cross-tenant 404",
            "other_client",
            f"{client}/drafts/{ids['draft_median_id']}",
            expect=404,
        ),
        Page("file download", "reviewer", f"{client}/versions/{ids['version_file_id']}/download"),
        Page("health dashboard (AM)", "account_manager", "/health"),
        # Search: a word in about one comment in five of the busiest client, a phrase, a word
        # in staff notes (the maker's clients), and a word across every client (the admin).
        Page("search, common word", "reviewer", "/search?q=version"),
        Page("search, phrase", "reviewer", "/search?q=%22source+file%22"),
        Page("search, maker", "maker", "/search?q=price"),
        Page("search, admin", "admin", "/search?q=spanish"),
        # Last: it adds comments to the thread above.
        Page(
            "comment POST",
            "reviewer",
            f"{client}/threads/{ids['thread_id']}/comments",
            method="POST",
            htmx=True,
        ),
    ]


def request_headers(page: Page, cookie: str, csrf_token: str | None) -> dict:
    """The headers a browser (or htmx) sends for ``page``."""
    headers = {"User-Agent": USER_AGENT, "Cookie": cookie}
    if page.htmx:
        headers["HX-Request"] = "true"
    if page.method == "POST":
        headers["X-CSRFToken"] = csrf_token or ""
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return headers


class HttpSession:
    """A signed-in browser over http.client: keeps the session cookie itself (the
    production cookie is ``Secure``, which a cookie jar would not send over plain http)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in sorted(self.cookies.items()))

    def request(self, method: str, path: str, body: dict | None = None, headers=None):
        """(status, body text) of one request; remembers the cookies it is given."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=120)
        try:
            sent = {"User-Agent": USER_AGENT, **(headers or {})}
            if self.cookies:
                sent["Cookie"] = self.cookie_header
            data = None
            if body is not None:
                data = urlencode(body)
                sent["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return response.status, text
        finally:
            connection.close()

    def sign_in(self, email: str, password: str) -> str:
        """Sign in through the login form; return a CSRF token for this session's POSTs."""
        status, page = self.request("GET", "/login")
        token = CSRF_FIELD.search(page)
        if status != 200 or token is None:
            raise RuntimeError(f"no login form (HTTP {status})")
        form = {"csrf_token": token.group(1), "email": email, "password": password}
        status, _ = self.request("POST", "/login", form)
        if status != 302:
            raise RuntimeError(f"sign-in of {email} answered {status}, not a redirect")
        # A page puts the CSRF secret into the session once; from then on the cookie is stable.
        status, page = self.request("GET", "/account")
        token = CSRF_HEADER.search(page)
        if status != 200 or token is None:
            raise RuntimeError(f"no CSRF token on the account page (HTTP {status})")
        return token.group(1)
