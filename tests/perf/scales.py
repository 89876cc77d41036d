"""Two datasets of the same seed at two scales, every bench page asked in-process of each:
statements, rows, and the median time of a few requests, with the ratios of the larger to
the smaller (issue 10's target: time and rows within 1.5 times at ten times the data).

    python -m tests.perf.scales sqlite:////tmp/x1.db sqlite:////tmp/x10.db

Each database is one ``python -m tests.perf.dataset`` made, with its personas file beside
it (or ``--personas`` for each, in the same order). Nothing is written to them but what the
pages themselves write: the comment POST adds a few comments.
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

from tests.perf.dataset import personas_path
from tests.perf.measure import InProcess
from tests.perf.pages import bench_pages
from tests.perf.servers import portal_environment

REQUESTS = 7
# Each measure's column width; the scale's label goes before its three measures.
MEASURES = (("stmts", 10), ("rows", 10), ("ms", 10))
RATIOS = (("ms ratio", 10), ("rows ratio", 11))


def page_costs(database_url: str, personas: dict) -> dict[str, tuple[int, int, float]]:
    """Per page: statements, rows, and the median ms of ``REQUESTS`` requests."""
    environment = portal_environment(database_url, personas["upload_dir"])
    in_process = InProcess(environment, personas)
    costs = {}
    try:
        for page in bench_pages(personas):
            runs = [in_process.cost(page) for _ in range(REQUESTS)]
            milliseconds = statistics.median(run.request_ms for run in runs)
            costs[page.name] = (runs[0].statements, runs[0].rows, milliseconds)
    finally:
        in_process.close()
    return costs


def table(small: dict, large: dict, labels: tuple[str, str]) -> list[str]:
    """The comparison, one line per page, in the bench's order."""
    rest = [(f"{label} {name}", w) for label in labels for name, w in MEASURES] + list(RATIOS)
    width = 24
    lines = [f"{'page':<{width}}" + "".join(f"{name:>{w}}" for name, w in rest)]
    for name, (statements, rows, ms) in small.items():
        big_statements, big_rows, big_ms = large[name]
        cells = (
            statements,
            f"{rows:,}",
            f"{ms:.1f}",
            big_statements,
            f"{big_rows:,}",
            f"{big_ms:.1f}",
            f"{big_ms / ms:.2f}" if ms else "-",
            f"{big_rows / rows:.2f}" if rows else "-",
        )
        row = "".join(f"{cell:>{w}}" for cell, (_n, w) in zip(cells, rest, strict=True))
        lines.append(f"{name:<{width}}{row}")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("smaller", help="database URL of the smaller dataset")
    parser.add_argument("larger", help="database URL of the larger dataset")
    parser.add_argument("--personas", type=Path, nargs=2, help="their personas files")
    args = parser.parse_args(argv)
    urls = (args.smaller, args.larger)
    paths = args.personas or [personas_path(url) for url in urls]
    personas = [json.loads(Path(path).read_text()) for path in paths]
    small, large = (page_costs(url, p) for url, p in zip(urls, personas, strict=True))
    labels = tuple(f"x{p['scale']:g}" for p in personas)
    print(f"{labels[1]} against {labels[0]}, in-process, median of {REQUESTS} requests")
    print("\n".join(table(small, large, labels)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
