"""A Redis that has stalled (it takes the connection and never answers) holds no request.

The web process asks Redis with the timeouts of ``REDIS_CONNECT_TIMEOUT_SECONDS`` and
``REDIS_TIMEOUT_SECONDS``, once, over one connection for all the jobs a request queues; once
Redis has failed to answer, the request's other jobs are left to the sweeps without asking
again. Before, each job asked on a connection of its own and waited out redis-py's 5 s.
"""

import threading

from portal.extensions import db
from portal.jobs import dispatch_ready, enqueue
from tests.jobs import test_notifications
from tests.jobs.test_batches import collect
from tests.jobs.test_notifications import let_the_batching_window_pass, post_mention

discussion = test_notifications.discussion  # a fixture

TIMEOUT_SECONDS = 0.2


def test_a_post_is_answered_and_its_notification_sent_later(
    app,
    client,
    account,
    discussion,
    jobs_on_redis,
    mailbox,
    stalled_redis,
    monkeypatch,
):
    box, _ = mailbox
    redis_url = app.config["REDIS_URL"]
    monkeypatch.setitem(app.config, "REDIS_URL", stalled_redis.url)
    monkeypatch.setitem(app.config, "REDIS_TIMEOUT_SECONDS", TIMEOUT_SECONDS)
    posted = []
    request = threading.Thread(
        target=lambda: posted.append(post_mention(client, account, discussion))
    )
    request.start()
    request.join(30)
    assert posted, "the post never got its answer"

    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)  # Redis is well again
    let_the_batching_window_pass(app, jobs_on_redis)
    jobs_on_redis.tick()
    jobs_on_redis.burst()
    (message,) = box.to("dana@agency.test")
    assert f"#comment-{posted[0]}" in box.text(message)


def test_a_request_asks_a_stalled_redis_once_for_all_its_jobs(
    app, stalled_redis, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "REDIS_URL", stalled_redis.url)
    monkeypatch.setitem(app.config, "REDIS_TIMEOUT_SECONDS", TIMEOUT_SECONDS)
    with app.test_request_context("/", method="POST"):
        enqueue(collect, 1)
        enqueue(collect, 2, queue="slow")
        enqueue(collect, 3, queue="mail")
        db.session.commit()
        dispatch_ready()
    assert stalled_redis.connections == 1
    not_queued = [r for r in caplog.records if r.getMessage().startswith("could not enqueue")]
    assert len(not_queued) == 3  # each left to the sweeps, and said so
