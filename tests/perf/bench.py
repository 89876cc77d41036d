"""``make bench``: the seeded agency on SQLite and PostgreSQL, every page under load, the jobs.

For each database: build the dataset (``BENCH_SCALE``, default 1), measure each page's SQL
statements, rows and bytes in-process, then start gunicorn (2 sync workers) on it next to a
bare Flask app and a raw WSGI app with the same flags, sign the personas in, and drive each
page with wrk (``-c8`` for req/s and p50, ``-c2`` for p99), a bare-Flask run before each page
so every ratio compares with the floor of that moment. Then the jobs at scale
(``tests.perf.jobs``). Everything it starts it stops; it talks to loopback only.

Settings (environment): BENCH_SCALE (1), BENCH_DURATION (seconds per wrk run, 5),
BENCH_DATABASES ("sqlite,postgresql"), BENCH_JOBS (1; 0 skips the jobs),
BENCH_JOB_SECONDS (time cap per worker run, 120), BENCH_PAGES (page names, separated by ";";
all), BENCH_POSTGRES_URL (postgresql://postgres@127.0.0.1:5432/test; a scratch database is
made beside it).
"""

import os
import signal
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, func, select

from portal.config import normalise_database_url
from portal.models import Comment
from tests.databases import scratch_database
from tests.perf import jobs
from tests.perf.dataset import SEED, build
from tests.perf.load import run_wrk, wrk_binary
from tests.perf.measure import InProcess
from tests.perf.pages import POST_BODY_PREFIX, HttpSession, bench_pages, request_headers
from tests.perf.servers import Gunicorn, portal_environment

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
COLUMNS = (
    ("page", 24),
    ("req/s", 9),
    ("p50 ms", 9),
    ("p99 ms (c=2)", 14),
    ("× bare Flask", 14),  # noqa: RUF001 (the multiplication sign is meant)
    ("statements", 12),
    ("rows", 9),
    ("bytes", 10),
    ("db ms", 9),
    ("bad", 6),
)


def setting(name: str, default: str) -> str:
    return os.environ.get(name) or default


def row(*cells) -> str:
    """One line of the table: the page left-aligned, every figure right-aligned."""
    (_first, width), *rest = COLUMNS
    return f"{cells[0]:<{width}}" + "".join(
        f"{cell:>{w}}" for cell, (_name, w) in zip(cells[1:], rest, strict=True)
    )


def chosen_pages(pages: list) -> list:
    """The pages ``BENCH_PAGES`` names (separated by ";"), or all of them."""
    names = [name.strip() for name in setting("BENCH_PAGES", "").split(";") if name.strip()]
    unknown = set(names) - {page.name for page in pages}
    if unknown:
        raise SystemExit(f"unknown pages in BENCH_PAGES: {', '.join(sorted(unknown))}")
    return [page for page in pages if not names or page.name in names]


@contextmanager
def database(kind: str, folder: Path):
    """An empty database of ``kind`` for one run, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'portal.db'}"
        return
    with scratch_database(setting("BENCH_POSTGRES_URL", DEFAULT_POSTGRES), folder, "bench") as url:
        yield url


def count_bench_comments(database_url: str, thread_id: int, prefix: str) -> int:
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as connection:
            return connection.scalar(
                select(func.count()).where(
                    Comment.thread_id == thread_id, Comment.body.like(f"{prefix}%")
                )
            )
    finally:
        engine.dispose()


def bench_database(kind: str, scale: float, seconds: int, run_jobs: bool) -> None:
    """Everything for one database, printed as it completes."""
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[kind]
    with (
        tempfile.TemporaryDirectory(prefix="portal-bench-") as folder,
        database(kind, Path(folder)) as url,
    ):
        print(f"\n== {label} · scale {scale:g} · seed {SEED} ==", flush=True)
        upload_dir = Path(folder) / "uploads"
        personas = build(
            url, scale, upload_dir=upload_dir, log=lambda line: print(line, flush=True)
        )
        environment = portal_environment(url, str(upload_dir))
        pages = chosen_pages(bench_pages(personas))
        in_process = InProcess(environment, personas)
        try:
            costs = {page.name: in_process.cost(page) for page in pages}
        finally:
            in_process.close()
        load_pages(label, url, environment, personas, pages, costs, seconds)
        if run_jobs:
            jobs.bench_jobs(url, environment, personas, scale)


def wait_idle(server: Gunicorn, request_seconds: float, limit: float = 300) -> None:
    """Wait until what wrk left queued has been served: a probe behind the queue answers
    at once, then the request each worker may still be on (``request_seconds``) is over."""
    deadline = time.monotonic() + limit
    probe = HttpSession(server.port)
    while time.monotonic() < deadline:
        started = time.monotonic()
        probe.request("GET", "/healthz")
        if time.monotonic() - started < 0.05:
            time.sleep(min(15.0, 1.5 * request_seconds))
            return
    raise RuntimeError(f"{server.name} stayed busy for {limit:.0f} s after a run")


def load_pages(label, url, environment, personas, pages, costs, seconds) -> None:
    bare_environment = {
        key: environment[key] for key in ("PATH", "PYTHONPATH") if key in environment
    }
    servers = []
    try:
        portal = Gunicorn("portal", "wsgi:app", environment, path="/healthz")
        servers.append(portal)
        bare = Gunicorn("bare Flask", "tests.perf.bare:flask_app", bare_environment)
        servers.append(bare)
        raw = Gunicorn("raw WSGI", "tests.perf.bare:raw_app", bare_environment)
        servers.append(raw)
        sessions, tokens = {}, {}
        for persona, email in personas["personas"].items():
            sessions[persona] = HttpSession(portal.port)
            tokens[persona] = sessions[persona].sign_in(email, personas["password"])
        for page in pages:
            if page.method == "GET":
                for _ in range(2):  # warm both workers
                    sessions[page.persona].request(
                        "GET",
                        page.path,
                        headers=request_headers(page, sessions[page.persona].cookie_header, None),
                    )
        thread_id = personas["pages"]["thread_id"]
        plain = {"User-Agent": "portal-bench/1"}
        raw_first = run_wrk(raw.url + "/", connections=8, seconds=seconds, headers=plain)
        print(
            f"\n{label}: wrk -t1 -c8 -d{seconds}s per page, p99 from -c2; "
            "a bare-Flask run before each page",
            flush=True,
        )
        print(row(*(name for name, _ in COLUMNS)))
        floors, posted = [], 0
        for page in pages:
            floor = run_wrk(bare.url + "/", connections=8, seconds=seconds, headers=plain)
            floors.append(floor.per_second)
            session = sessions[page.persona]
            headers = request_headers(page, session.cookie_header, tokens[page.persona])
            runs = {}
            for connections in (8, 2):
                prefix = f"{POST_BODY_PREFIX} c{connections}" if page.method == "POST" else None
                runs[connections] = run_wrk(
                    portal.url + page.path,
                    connections=connections,
                    seconds=seconds,
                    headers=headers,
                    expect=page.expect,
                    post_prefix=prefix,
                )
                # Requests wrk left queued would otherwise eat into the next run.
                wait_idle(portal, costs[page.name].request_ms / 1000)
            if page.method == "POST":
                posted = runs[8].ok + runs[2].ok
            cost, busy = costs[page.name], runs[8]
            ratio = busy.per_second / floor.per_second if floor.per_second else 0
            print(
                row(
                    page.name,
                    f"{busy.per_second:.1f}",
                    f"{busy.p50_ms:.1f}" if busy.requests else "-",
                    f"{runs[2].p99_ms:.1f}" if runs[2].requests else "-",
                    f"{ratio:.3f}",
                    cost.statements,
                    f"{cost.rows:,}",
                    f"{cost.bytes:,}",
                    f"{cost.db_ms:.1f}",
                    busy.bad + runs[2].bad,
                ),
                flush=True,
            )
        raw_last = run_wrk(raw.url + "/", connections=8, seconds=seconds, headers=plain)
        print(
            row(
                "bare Flask (median)",
                f"{statistics.median(floors):.1f}",
                "",
                "",
                "1.000",
                "",
                "",
                "",
                "",
                "",
            )
        )
        raw_rps = (raw_first.per_second + raw_last.per_second) / 2
        print(row("raw WSGI (mean of 2)", f"{raw_rps:.1f}", "", "", "", "", "", "", "", ""))
        stored = count_bench_comments(url, thread_id, f"{POST_BODY_PREFIX} c")
        # wrk stops with up to one request in flight per connection: stored, never answered.
        in_flight = 8 + 2
        verdict = "ok" if posted <= stored <= posted + in_flight else "MISMATCH"
        print(
            f"comment POST: {posted:,} answered 200, {stored:,} rows stored ({verdict}: every "
            f"answered post is stored; up to {in_flight} more were in flight when wrk stopped)"
        )
    finally:
        for server in reversed(servers):
            server.stop()
        for server in servers:
            if "Traceback" in (errors := server.output()):
                print(f"{server.name} logged errors:\n{errors}", file=sys.stderr)


def load_line() -> str:
    """The machine's load average: the figures only mean something on an idle machine."""
    one, five, _fifteen = os.getloadavg()
    busy = " (busy: other work shares the cores, figures are unreliable)" if one > 1.0 else ""
    return f"load average before the bench: {one:.2f} (1 min), {five:.2f} (5 min){busy}"


def _stop(signum, frame):
    raise SystemExit(128 + signum)  # so every ``finally`` stops what it started


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)
    scale = float(setting("BENCH_SCALE", "1"))
    seconds = int(setting("BENCH_DURATION", "5"))
    kinds = [k.strip() for k in setting("BENCH_DATABASES", "sqlite,postgresql").split(",")]
    run_jobs = setting("BENCH_JOBS", "1") != "0"
    wrk_binary()
    started = time.monotonic()
    print(
        f"Portal bench: scale {scale:g}, seed {SEED}, {os.cpu_count()} cores, "
        f"gunicorn 2 sync workers, wrk {seconds} s per run"
    )
    print(load_line())
    for kind in kinds:
        if kind not in ("sqlite", "postgresql"):
            raise SystemExit(f"unknown database kind {kind!r}")
        bench_database(kind, scale, seconds, run_jobs)
    print(f"\nbench finished in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
