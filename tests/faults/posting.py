"""People posting comments through gunicorn, each as fast as it answers, while a part fails.

Every post is remembered with its body, when it was sent and what came back, so a test can
count what was answered and find each answered comment in the database afterwards.
"""

import http.client
import secrets
import threading
import time
from dataclasses import dataclass

from tests.perf.pages import USER_AGENT, HttpSession
from tests.perf.servers import HOST


@dataclass(frozen=True)
class Post:
    """One comment sent: its unique ``body``, when it was sent (``time.monotonic``), how long
    the answer took, and the answer's status (None: no answer, the connection failed)."""

    body: str
    sent_at: float
    seconds: float
    status: int | None

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def server_error(self) -> bool:
        return self.status is not None and self.status >= 500


@dataclass(frozen=True)
class Poster:
    """Who posts (signed in by e-mail and password) and where: a thread's comments URL."""

    email: str
    path: str


class Posting:
    """``posters`` each posting comments in a thread of their own (a Python thread) until
    ``stop``; bodies start with ``label``."""

    def __init__(self, port: int, posters: list[Poster], password: str, label: str):
        self.label = label
        self.posts: list[Post] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._sessions = []
        for poster in posters:
            session = HttpSession(port)
            token = session.sign_in(poster.email, password)
            self._sessions.append((poster, session, token))
        self._threads = [
            threading.Thread(target=self._post, args=(n, *signed_in), daemon=True)
            for n, signed_in in enumerate(self._sessions)
        ]

    def __enter__(self) -> "Posting":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop posting once each poster's request at hand has been answered."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=180)

    def _post(self, number: int, poster: Poster, session: HttpSession, token: str) -> None:
        headers = {"X-CSRFToken": token, "HX-Request": "true"}
        sent = 0
        while not self._stopping.is_set():
            sent += 1
            body = f"{self.label} {number}-{sent}"
            started = time.monotonic()
            try:
                status, _page = session.request("POST", poster.path, {"body": body}, headers)
            except OSError:
                status = None
            post = Post(body, started, time.monotonic() - started, status)
            with self._lock:
                self.posts.append(post)

    def accepted_since(self, moment: float) -> int:
        """How many posts sent after ``moment`` were accepted."""
        with self._lock:
            return sum(post.accepted for post in self.posts if post.sent_at >= moment)

    def wait_for_accepted(self, count: int, timeout: float = 60) -> None:
        """Wait until ``count`` more posts than now have been sent and accepted."""
        since = time.monotonic()
        deadline = since + timeout
        while self.accepted_since(since) < count:
            assert time.monotonic() < deadline, f"fewer than {count} posts accepted in time"
            time.sleep(0.05)

    def snapshot(self) -> list[Post]:
        with self._lock:
            return list(self.posts)


def upload(session: HttpSession, path: str, token: str, name: str, content: bytes) -> int:
    """POST ``content`` as the form's ``file`` (a multipart form, as a browser sends it);
    the answer's status."""
    boundary = secrets.token_hex(16)
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'.encode(),
            b"Content-Type: application/octet-stream\r\n\r\n",
            content,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    headers = {
        "User-Agent": USER_AGENT,
        "Cookie": session.cookie_header,
        "X-CSRFToken": token,
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    connection = http.client.HTTPConnection(HOST, session.port, timeout=120)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@dataclass
class Outcome:
    """What became of ``posts`` around an outage from ``went_down`` to ``came_back``, with
    the bodies of the comments ``stored`` in the database afterwards."""

    posts: list[Post]
    stored: set[str]
    went_down: float
    came_back: float

    @property
    def accepted(self) -> list[Post]:
        return [post for post in self.posts if post.accepted]

    @property
    def lost(self) -> list[str]:
        """Bodies answered 2xx and not stored."""
        return [post.body for post in self.accepted if post.body not in self.stored]

    @property
    def during(self) -> list[Post]:
        return [post for post in self.posts if self.went_down <= post.sent_at < self.came_back]

    @property
    def after(self) -> list[Post]:
        return [post for post in self.posts if post.sent_at >= self.came_back]

    def figures(self) -> dict:
        """The report's figures every outage has."""
        return {
            "posts_tried": len(self.posts),
            "2xx": len(self.accepted),
            "5xx": sum(post.server_error for post in self.posts),
            "unanswered": sum(post.status is None for post in self.posts),
            "tried_during_the_outage": len(self.during),
            "stored": len(self.stored),
            "stored_though_not_2xx": len(self.stored - {post.body for post in self.accepted}),
            "lost": len(self.lost),
        }
