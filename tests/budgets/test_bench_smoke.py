"""``make bench`` itself, at a hundredth of its scale on the suite's database kind: it runs
from start to end, drives every page without an unexpected answer, stores every post it was
answered for, and runs every job. The figures of so small a run mean nothing; the run does."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JOBS = (
    "schedule_digests",
    "digests, 2 workers",
    "notification sweep",
    "notifications, 2 workers",
    "health snapshots, every client",
)


def test_the_bench_runs_end_to_end_at_a_hundredth_of_its_scale():
    configured = os.environ.get("PORTAL_TEST_DATABASE_URL")
    environment = {
        **os.environ,
        "BENCH_SCALE": "0.01",
        "BENCH_DURATION": "1",
        "BENCH_JOB_SECONDS": "30",
        "BENCH_DATABASES": "postgresql" if configured else "sqlite",
        **({"BENCH_POSTGRES_URL": configured} if configured else {}),
    }
    run = subprocess.run(
        [sys.executable, "-m", "tests.perf.bench"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    lines = run.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("page "))
    end = next(i for i, line in enumerate(lines) if line.startswith("bare Flask"))
    rows = lines[header + 1 : end]
    assert rows[0].startswith("client home") and rows[-1].startswith("comment POST")
    unexpected = [row for row in rows if row.split()[-1] != "0"]
    assert unexpected == []
    assert "ok: every answered post is stored" in run.stdout
    for job in JOBS:
        assert any(line.startswith(job) for line in lines), f"no line for {job}"
    assert "stopped at the" not in run.stdout  # every worker run finished its work
