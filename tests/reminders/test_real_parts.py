"""Reminders and nudges end to end: the production tick and worker on a real Redis, e-mail
through a real SMTP server, each sent once."""

from datetime import timedelta

from sqlalchemy import update

from portal.extensions import db
from portal.models import User, Version, utcnow
from tests.factories import sign_in
from tests.review import make_draft_in_review

HANNAH, OMAR, SID = "hannah@northwind.test", "omar@northwind.test", "sid@southwind.test"


def reminders(box, address):
    return [m for m in box.to(address) if m["Subject"].startswith("Reminder:")]


def test_the_tick_and_the_worker_send_each_reminder_once(
    app, account, jobs_on_redis, mailbox, new_browser
):
    box, _ = mailbox
    with app.app_context():
        draft = make_draft_in_review(account, title="Homepage intro", body="Roasted in Leeds.")
        # Made two days ago, due within the hour: due today, or tomorrow on some clocks.
        db.session.execute(
            update(Version)
            .where(Version.draft_id == draft.id)
            .values(created_at=utcnow() - timedelta(days=2))
        )
        draft.review_due_at = utcnow() + timedelta(minutes=30)
        db.session.execute(update(User).values(digest_hour=0, timezone="UTC"))
        db.session.commit()
        make_draft_in_review(account, title="Not due", body="No date.")
        db.session.commit()

    jobs_on_redis.tick()
    jobs_on_redis.burst()
    for address in (HANNAH, OMAR):
        (message,) = reminders(box, address)
        assert "Homepage intro, version 1 is due" in message["Subject"]
        text = box.text(message)
        assert f"http://portal.test{account.draft_url(draft)}" in text
        assert "Not due" not in text
    assert box.to(SID) == []

    jobs_on_redis.tick()
    jobs_on_redis.burst()
    assert len(reminders(box, HANNAH)) == len(reminders(box, OMAR)) == 1, "reminded twice"

    # A nudge from the draft page goes through the same outbox and worker, once a day.
    writer = new_browser()
    sign_in(writer, account.writer)
    nudge_url = account.draft_url(draft, f"/reviewers/{account.second_reviewer.id}/nudge")
    assert writer.post(nudge_url).status_code == 302
    assert writer.post(nudge_url).status_code == 409
    jobs_on_redis.burst()
    (nudged,) = [m for m in box.to(OMAR) if "asks for your decision" in m["Subject"]]
    assert nudged["Subject"] == "Dana Writer asks for your decision on Homepage intro, version 1"
