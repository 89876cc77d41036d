"""One load run on one database, and its report.

The seeded agency (``tests.perf.dataset``) on an empty database, gunicorn with ``workers``
sync workers on it (production settings, rate limits off, jobs inline, as the bench runs it),
the posters (``tests.load.posters``) against it, then the count: every comment answered 2xx
must be stored, and whatever was stored without a 2xx must be a post whose answer never came.
"""

import statistics
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, select

from portal.config import normalise_database_url
from portal.models import Comment
from tests.load.plan import plan_posters, unseen_notices
from tests.load.posters import Answer, PosterRun, run_posters
from tests.perf.dataset import PASSWORD, build
from tests.perf.servers import Gunicorn, portal_environment

LOCKED = "database is locked"


@dataclass
class Report:
    """What one run did and found."""

    label: str
    posters: int
    workers: int
    seconds: float
    answers: list[Answer]
    stored: Counter  # marker -> comments stored with it
    locked_lines: list[str]  # lines of the server's log that say "database is locked"
    tracebacks: int  # tracebacks in the server's log
    sign_in_failures: list[str]
    notices: int  # review notices the posters had on their drafts
    notices_unseen: int  # of them, still unseen afterwards
    problems: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.problems = self._problems()

    @property
    def posts(self) -> list[Answer]:
        return [answer for answer in self.answers if answer.is_post]

    @property
    def answered_markers(self) -> set[str]:
        return {answer.marker for answer in self.posts if answer.ok}

    @property
    def unanswered_markers(self) -> set[str]:
        return {answer.marker for answer in self.posts if answer.status is None}

    @property
    def lost(self) -> set[str]:
        """Answered 2xx, not stored."""
        return self.answered_markers - set(self.stored)

    @property
    def phantom(self) -> set[str]:
        """Stored, not answered 2xx; fine only for a post whose answer never came."""
        return set(self.stored) - self.answered_markers

    @property
    def server_errors(self) -> list[Answer]:
        return [answer for answer in self.answers if answer.status and answer.status >= 500]

    def _problems(self) -> list[str]:
        problems = []
        if self.server_errors:
            problems.append(f"{len(self.server_errors)} answers were 5xx")
        if self.lost:
            problems.append(f"{len(self.lost)} posts answered 2xx are not stored")
        if self.phantom - self.unanswered_markers:
            problems.append(
                f"{len(self.phantom - self.unanswered_markers)} comments are stored whose "
                "post was refused"
            )
        if doubled := [marker for marker, count in self.stored.items() if count > 1]:
            problems.append(f"{len(doubled)} posts are stored more than once")
        if self.locked_lines:
            problems.append(f'{len(self.locked_lines)} "{LOCKED}" in the server\'s log')
        if self.sign_in_failures:
            problems.append(f"{len(self.sign_in_failures)} posters could not sign in")
        if not self.answered_markers:
            problems.append("no post was answered 2xx")
        return problems

    def lines(self) -> list[str]:
        """The report, as printed."""
        posts, ok = self.posts, self.answered_markers
        latencies = sorted(answer.seconds * 1000 for answer in posts)
        p50, p95, p99 = (_percentile(latencies, share) for share in (0.50, 0.95, 0.99))
        by_action = Counter(answer.action for answer in posts if answer.ok)
        others = Counter(
            (answer.action, answer.status) for answer in self.answers if answer.status is not None
        )
        lines = [
            f"{self.label}: {self.posters} posters, gunicorn {self.workers} sync workers, "
            f"{self.seconds:.1f} s of posting",
            f"  comments: {len(ok):,} answered 2xx ({_counts(by_action)}), "
            f"{len(ok) / self.seconds:.1f} comments/s",
            f"  post latency: p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, "
            f"max {latencies[-1] if latencies else 0:.0f} ms ({len(posts):,} posts)",
            "  answers: "
            + ", ".join(
                f"{action} {status} ×{count:,}"  # noqa: RUF001 (the multiplication sign)
                for (action, status), count in sorted(others.items(), key=str)
            ),
        ]
        unanswered = [answer for answer in self.answers if answer.status is None]
        if unanswered:
            kinds = Counter(f"{answer.action}: {answer.detail}" for answer in unanswered)
            lines.append(f"  no answer: {_counts(kinds)}")
        errors = Counter(
            f"{answer.status} {answer.action}: {answer.detail}" for answer in self.server_errors
        )
        lines.append(f"  5xx: {len(self.server_errors)}")
        lines += [f"    ×{count} {error}" for error, count in errors.most_common()]  # noqa: RUF001
        lines.append(f'  "{LOCKED}" in the server\'s log: {len(self.locked_lines)}')
        lines += [f"    {line}" for line in sorted(set(self.locked_lines))[:10]]
        lines.append(f"  tracebacks in the server's log: {self.tracebacks}")
        stored = sum(self.stored.values())
        lines.append(
            f"  stored: {stored:,} marked comments; lost (2xx, not stored): {len(self.lost)}; "
            f"phantom (stored, no 2xx): {len(self.phantom)}, of which unanswered "
            f"(timeouts, socket errors): {len(self.phantom & self.unanswered_markers)}"
        )
        lines.append(
            f"  review notices marked seen by page views: {self.notices - self.notices_unseen}"
            f" of {self.notices} (only the drafts read)"
        )
        if self.sign_in_failures:
            lines += [f"  {failure}" for failure in self.sign_in_failures]
        lines.append("  verdict: " + ("; ".join(self.problems) if self.problems else "ok"))
        return lines


def _percentile(ordered: list[float], share: float) -> float:
    if not ordered:
        return 0.0
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(share * 100) - 1]


def _counts(counter: Counter) -> str:
    return ", ".join(f"{key} {count:,}" for key, count in counter.most_common())


def load_database(
    label: str,
    database_url: str,
    folder: Path,
    *,
    posters: int,
    workers: int,
    scale: float,
    seconds: float | None = None,
    actions: int | None = None,
    seed: int = 2026,
    log=print,
) -> Report:
    """Build the agency on the empty database at ``database_url``, serve it with gunicorn,
    post for ``seconds`` (or ``actions`` per poster), and count what was stored."""
    upload_dir = folder / "uploads"
    build(database_url, scale, upload_dir=upload_dir, log=log)
    environment = portal_environment(database_url, str(upload_dir))
    plan = plan_posters(database_url, environment, posters, seed)
    notices = unseen_notices(database_url, environment)
    run_id = f"LOAD{uuid.uuid4().hex[:8]}"
    server = Gunicorn("portal", "wsgi:app", environment, path="/healthz", workers=workers)
    try:
        runs, elapsed = run_posters(
            plan, server.port, PASSWORD, run_id, seconds=seconds, actions=actions, seed=seed
        )
    finally:
        server.stop()
    server.log.seek(0)
    server_log = server.log.read().decode(errors="replace")
    return Report(
        label=label,
        posters=posters,
        workers=workers,
        seconds=elapsed,
        answers=[answer for run in runs for answer in run.answers],
        stored=stored_markers(database_url, run_id),
        locked_lines=[line.strip() for line in server_log.splitlines() if LOCKED in line],
        tracebacks=server_log.count("Traceback (most recent call last)"),
        sign_in_failures=_failures(runs),
        notices=notices,
        notices_unseen=unseen_notices(database_url, environment),
    )


def _failures(runs: list[PosterRun]) -> list[str]:
    return [
        f"poster {run.number} ({run.poster.email}): {run.failure}" for run in runs if run.failure
    ]


def stored_markers(database_url: str, run_id: str) -> Counter:
    """How many comments carry each marker of the run ``run_id``."""
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as connection:
            bodies = connection.scalars(
                select(Comment.body).where(Comment.body.like(f"{run_id}-%"))
            ).all()
    finally:
        engine.dispose()
    return Counter(body.split(" ", 1)[0] for body in bodies)
