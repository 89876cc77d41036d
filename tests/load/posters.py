"""The posters: one thread each, signed in as its own person, posting as fast as answers come.

Each poster signs in once through the login form, then repeats a mix of what people do
until the run ends: a comment (half of its actions), a reply to a comment, a pin on an
image, or a read (the page, then the read mark, then a comment: a reader turned writer).
Every comment carries a marker of its own (``<run>-<poster>-<n>``) at the start of its
text, so the stored comments can be matched with the answers afterwards. Comments go in
through the htmx path, as the page sends them: the session's CSRF token in ``X-CSRFToken``.
"""

import random
import re
import threading
import time
from dataclasses import dataclass, field

from tests.load.plan import Poster, Target
from tests.perf.pages import HttpSession

# The share of each action; what is left over is a plain comment.
MIX = (("reply", 0.2), ("pin", 0.15), ("read", 0.15))
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Answer:
    """One request: what it was, how it ended and how long it took."""

    action: str  # comment, reply, pin (the posts), page, read mark, sign-in
    status: int | None  # None: no answer (a socket error or a timeout)
    seconds: float
    marker: str | None = None  # a post's marker
    detail: str = ""  # a 5xx's first line of text, or the socket error

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def is_post(self) -> bool:
        return self.marker is not None


@dataclass
class PosterRun:
    """A poster's thread and the answers it got."""

    number: int
    poster: Poster
    answers: list[Answer] = field(default_factory=list)
    failure: str | None = None  # why it stopped early (it could not sign in)


def first_line(body: str) -> str:
    """The first line of text of an answer, tags dropped (an error page's heading)."""
    for line in _TAG.sub("\n", body).splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def run_posters(
    posters: list[Poster],
    port: int,
    password: str,
    run_id: str,
    *,
    seconds: float | None = None,
    actions: int | None = None,
    seed: int = 2026,
) -> tuple[list[PosterRun], float]:
    """Sign every poster in, then let them all go at once until ``seconds`` have passed or
    each has done ``actions`` actions; wait for the last answers. Returns the runs and how
    long the posting lasted."""
    runs = [PosterRun(number, poster) for number, poster in enumerate(posters)]
    ready = threading.Barrier(len(runs) + 1)
    stop = threading.Event()

    def work(run: PosterRun) -> None:
        session, token = HttpSession(port), None
        try:
            token = session.sign_in(run.poster.email, password)
        except (RuntimeError, OSError) as error:
            run.failure = f"sign-in: {error}"
        ready.wait()
        if token is None:
            return
        rng = random.Random(f"{seed}-{run.number}")
        done = 0
        while not stop.is_set() and (actions is None or done < actions):
            _act(session, token, run, rng, f"{run_id}-{run.number}-{done}")
            done += 1

    threads = [threading.Thread(target=work, args=(run,), daemon=True) for run in runs]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.monotonic()
    if seconds is not None:
        stop.wait(seconds)
        stop.set()
    for thread in threads:
        thread.join()
    return runs, time.monotonic() - started


def _act(session: HttpSession, token: str, run: PosterRun, rng: random.Random, marker: str):
    """One action of the mix, in one or three requests."""
    target: Target = rng.choice(run.poster.targets)
    roll, action = rng.random(), "comment"
    for name, share in MIX:
        if roll < share:
            action = name
            break
        roll -= share
    form = {"body": f"{marker} said during the load test."}
    if action == "reply" and target.reply_to_id is not None:
        form["reply_to"] = str(target.reply_to_id)
    elif action == "pin" and target.pin_on_image:
        form.update(anchor_type="point", x=f"{rng.random():.3f}", y=f"{rng.random():.3f}")
    elif action == "read":
        _request(session, run, "page", "GET", target.read_path)
        if target.last_comment_id is not None:
            mark = {"up_to": str(target.last_comment_id)}
            _request(session, run, "read mark", "POST", target.read_mark_path, mark, token)
        action = "comment"
    else:
        action = "comment"
    _request(session, run, action, "POST", target.post_path, form, token, marker)


def _request(session, run, action, method, path, form=None, token=None, marker=None) -> None:
    """One request, recorded; posts go as htmx sends them, with the CSRF token."""
    headers = {} if method == "GET" else {"HX-Request": "true", "X-CSRFToken": token}
    started = time.monotonic()
    try:
        status, body = session.request(method, path, form, headers)
    except OSError as error:
        run.answers.append(
            Answer(action, None, time.monotonic() - started, marker, type(error).__name__)
        )
        return
    detail = first_line(body) if status >= 500 else ""
    run.answers.append(Answer(action, status, time.monotonic() - started, marker, detail))
