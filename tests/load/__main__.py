"""``make load``: 50 concurrent posters for 60 s against gunicorn with 4 workers, on SQLite
and on PostgreSQL, and what came of every post.

For each database: the seeded agency at ``LOAD_SCALE`` (0.5: 250 people, 100,000 comments)
on an empty database, gunicorn on it, then the posters, each signed in as a different
person (``tests.load.posters``). The report gives comments/s, the posts' p50/p95/p99, every
answer that wasn't 2xx by status with each 5xx's first line, every "database is locked" in
the server's log, and every post answered 2xx looked for in the database afterwards. It
exits with 1 when a run found a 5xx, a lost or doubled post, or a locked database.

Settings (environment): LOAD_DATABASES ("sqlite,postgresql"), LOAD_POSTERS (50),
LOAD_SECONDS (60), LOAD_WORKERS (4), LOAD_SCALE (0.5), LOAD_POSTGRES_URL
(postgresql://postgres@127.0.0.1:5432/test; a scratch database is made beside it).
"""

import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from tests.databases import scratch_database
from tests.load.run import load_database

LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def setting(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _stop(signum, frame):
    raise SystemExit(128 + signum)  # so every ``finally`` stops what it started


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)
    kinds = [kind.strip() for kind in setting("LOAD_DATABASES", "sqlite,postgresql").split(",")]
    if unknown := set(kinds) - set(LABELS):
        raise SystemExit(f"unknown database kinds in LOAD_DATABASES: {', '.join(unknown)}")
    posters, seconds = int(setting("LOAD_POSTERS", "50")), float(setting("LOAD_SECONDS", "60"))
    workers, scale = int(setting("LOAD_WORKERS", "4")), float(setting("LOAD_SCALE", "0.5"))
    one, five, _ = os.getloadavg()
    print(
        f"Portal load: {posters} posters for {seconds:g} s, gunicorn {workers} sync workers, "
        f"scale {scale:g}, {os.cpu_count()} cores, load average {one:.2f} / {five:.2f}",
        flush=True,
    )
    failed = []
    for kind in kinds:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="portal-load-") as folder:
            postgres = (
                setting("LOAD_POSTGRES_URL", DEFAULT_POSTGRES) if kind == "postgresql" else None
            )
            with scratch_database(postgres, Path(folder), "load") as url:
                print(f"\n== {LABELS[kind]} ==", flush=True)
                report = load_database(
                    LABELS[kind],
                    url,
                    Path(folder),
                    posters=posters,
                    workers=workers,
                    scale=scale,
                    seconds=seconds,
                    log=lambda line: print(line, flush=True),
                )
        print("\n".join(report.lines()), flush=True)
        print(f"  ({time.monotonic() - started:.0f} s with the dataset)", flush=True)
        if report.problems:
            failed.append(LABELS[kind])
    print(f"\nload: {'failed on ' + ', '.join(failed) if failed else 'ok on every database'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
