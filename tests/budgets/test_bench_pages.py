"""Every page of the benchmark costs the same statements for a small agency and for one ten
times larger, and reads a bounded number of rows: the query budgets of ``make bench``'s pages,
on the bench's own seeded dataset (``tests/perf``), on the suite's database kind.

Each scale gets a scratch database of its own, built as the bench builds it, and each page
is asked once after a warm-up through the app's test client, signed in as its persona.
"""

import os

import pytest

from tests.databases import scratch_database
from tests.perf.dataset import build
from tests.perf.measure import InProcess
from tests.perf.pages import bench_pages
from tests.perf.servers import portal_environment

SMALL, LARGE = 0.01, 0.1
# Rows one request may read, whatever the data: every list on these pages is paginated or
# capped (the largest: the health dashboard's clients and their sparklines, about 280).
MAX_ROWS = 400


def page_costs(scale: float, folder) -> dict:
    """Each bench page's in-process cost on a fresh agency of ``scale``."""
    configured = os.environ.get("PORTAL_TEST_DATABASE_URL")
    with scratch_database(configured, folder, f"bench{int(scale * 100)}") as url:
        uploads = folder / "uploads"
        personas = build(url, scale, upload_dir=uploads, log=lambda line: None)
        measured = InProcess(portal_environment(url, str(uploads)), personas)
        try:
            return {page.name: measured.cost(page) for page in bench_pages(personas)}
        finally:
            measured.close()


@pytest.fixture(scope="module")
def costs(tmp_path_factory) -> dict:
    return {
        scale: page_costs(scale, tmp_path_factory.mktemp(f"scale-{scale}"))
        for scale in (SMALL, LARGE)
    }


def test_every_bench_page_issues_the_same_statements_at_ten_times_the_data(costs):
    small, large = costs[SMALL], costs[LARGE]
    assert small.keys() == large.keys()
    grew = {
        name: (small[name].statements, large[name].statements)
        for name in small
        if small[name].statements != large[name].statements
    }
    assert grew == {}


def test_every_bench_page_reads_a_bounded_number_of_rows(costs):
    too_many = {name: cost.rows for name, cost in costs[LARGE].items() if cost.rows > MAX_ROWS}
    assert too_many == {}
