"""Driving a page with wrk (Debian's ``wrk``) and reading what it measured."""

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("wrk.lua")
_LINE = re.compile(r"^BENCH (.*)$", re.MULTILINE)


@dataclass
class LoadResult:
    """One wrk run: throughput, latency percentiles, and answers by kind."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    ok: int  # answers with the expected status
    other: int  # answers with another status
    errors: int  # socket errors
    timeouts: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def bad(self) -> int:
        return self.other + self.errors + self.timeouts


def wrk_binary() -> str:
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk (make bench does)")
    return binary


def run_wrk(
    url: str,
    *,
    connections: int,
    seconds: int,
    headers: dict | None = None,
    expect: int = 200,
    post_prefix: str | None = None,
) -> LoadResult:
    """``wrk -t1 -c<connections> -d<seconds>s`` against ``url`` (loopback only)."""
    if not url.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise ValueError("the bench only loads servers on this machine's loopback")
    command = [
        wrk_binary(),
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(SCRIPT),
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    environment = {**os.environ, "BENCH_EXPECT": str(expect)}
    if post_prefix:
        environment["BENCH_POST_PREFIX"] = post_prefix.replace(" ", "+")
    result = subprocess.run(
        [*command, url], capture_output=True, text=True, env=environment, timeout=seconds + 90
    )
    match = _LINE.search(result.stdout)
    if result.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed: {result.stderr or result.stdout}"[-2000:])
    values = dict(pair.split("=") for pair in match.group(1).split())
    return LoadResult(
        requests=int(values["requests"]),
        seconds=int(values["duration_us"]) / 1e6,
        p50_ms=int(values["p50_us"]) / 1000,
        p99_ms=int(values["p99_us"]) / 1000,
        ok=int(values["ok"]),
        other=int(values["other"]),
        errors=int(values["errors"]),
        timeouts=int(values["timeouts"]),
    )
