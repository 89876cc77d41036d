"""The benchmark is not part of the suite: pytest collects nothing under ``tests/perf``."""

collect_ignore_glob = ["*.py"]
