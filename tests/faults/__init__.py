"""Fault tests on the full stack: the Procfile's processes on real parts, with one part failing.

Each scenario runs gunicorn, ``flask jobs worker`` and the scheduler's work (``flask jobs
tick``, or ``flask jobs scheduler`` itself) as subprocesses on a database, a Redis and an
SMTP server of its own, breaks one of them, and checks that nothing was lost: every comment
answered 2xx is stored, every digest owed arrives, once. ``make faults`` runs them with the
issue's full outages and prints a report of each.
"""
