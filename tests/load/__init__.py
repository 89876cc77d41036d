"""Load tests: many people posting at once, on SQLite and PostgreSQL, with nothing lost.

``python -m tests.load`` (``make load``) runs the full load: 50 posters for 60 s against
gunicorn with 4 workers, on each database. ``test_smoke.py`` is a short run in the suite.
"""
