"""The periodic work, run by exactly one ``flask jobs scheduler`` (rq's cron), by the web
process's ticker in the embedded mode (``portal.jobs.ticker``), or on demand (``flask jobs tick``).

Every periodic job is idempotent and finds its work in the database, so a missed or doubled
run neither loses nor repeats anything.
"""

from dataclasses import dataclass

from portal.digests.services import schedule_digests
from portal.drafts.orphans import collect_orphan_files
from portal.drafts.processing import sweep_unprocessed
from portal.extensions import db, refresh_planner_statistics
from portal.health.snapshots import take_snapshots
from portal.jobs import dispatch_ready
from portal.jobs.abandoned import fail_abandoned_jobs
from portal.mail.delivery import sweep_outbox
from portal.mail.retention import purge_old_bodies
from portal.notifications.services import sweep_notifications
from portal.reminders.services import sweep_review_reminders


@dataclass(frozen=True)
class Periodic:
    func: object
    every_seconds: int
    queue: str


PERIODIC = (
    Periodic(sweep_outbox, 60, "mail"),
    Periodic(sweep_notifications, 60, "default"),
    Periodic(schedule_digests, 300, "default"),
    Periodic(sweep_review_reminders, 300, "default"),
    Periodic(sweep_unprocessed, 600, "slow"),
    # Today's health snapshot of every client, kept fresh; each run updates the day's rows.
    Periodic(take_snapshots, 3600, "slow"),
    Periodic(refresh_planner_statistics, 3600, "slow"),
    Periodic(purge_old_bodies, 3600, "slow"),
    Periodic(collect_orphan_files, 3600, "slow"),
    Periodic(fail_abandoned_jobs, 60, "default"),
)


def run_now(periodic: Periodic) -> None:
    """Do ``periodic``'s work once, here and now, commit it, and dispatch the jobs it queued
    (inline in the embedded mode). Needs an app context."""
    periodic.func()
    db.session.commit()
    dispatch_ready()
