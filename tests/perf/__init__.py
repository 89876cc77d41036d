"""Performance at a large agency's scale: a seeded dataset and a benchmark (``make bench``).

Nothing here is part of the pass/fail suite; ``tests/perf/README.md`` says how to run it.
"""
