"""A short load in the suite: a few posters against gunicorn on the suite's kind of database,
a fixed number of actions each; every 2xx post stored, no 5xx, no locked database."""

import os

from tests.databases import scratch_database
from tests.load.run import load_database


def test_a_short_load_loses_nothing_and_fails_nothing(tmp_path):
    configured = os.environ.get("PORTAL_TEST_DATABASE_URL")
    with scratch_database(configured, tmp_path, "load") as url:
        report = load_database(
            "smoke", url, tmp_path, posters=8, workers=2, scale=0.04, actions=12, log=print
        )
    print("\n".join(report.lines()))
    assert report.problems == []
    assert len(report.answered_markers) >= 8 * 12 * 0.9  # a few actions are reads
