"""The worker SIGKILLed in the middle of its work, and started again, as a supervisor would.

Killed while writing the digests, then again while sending them, the worker still gets every
digest owed to its person, once; the one duplicate allowed is the documented window (see
``portal.mail.delivery``): the message the SMTP server had taken when the worker died,
before its row was marked sent, sent again once its claim ran out. Killed while making a
thumbnail, it makes it after all.
"""

import io
from collections import Counter
from datetime import timedelta
from functools import cache

from PIL import Image
from redis import Redis
from rq import Queue
from rq.registry import StartedJobRegistry
from sqlalchemy import func, select, update

from portal.drafts.processing import SWEEP_AFTER
from portal.mail.delivery import CLAIM_TIMEOUT
from portal.models import DigestRun, EmailMessage, EmailStatus, Version
from tests.faults.agency import PASSWORD, image_draft, people_owed_a_digest
from tests.faults.posting import upload
from tests.faults.stack import wait_until
from tests.perf.pages import HttpSession

PEOPLE = 40  # one batch of digests, one job


@cache
def big_png() -> bytes:
    """A PNG of 8000 by 8000 pixels (200 KiB: a gradient) that takes about a second to read."""
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((8000, 8000)).convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


def test_every_digest_arrives_once_after_the_worker_is_killed_writing_and_sending_them(
    stack, fault_report
):
    addresses = people_owed_a_digest(stack.app, PEOPLE)
    mailbox = stack.smtp.mailbox
    stack.start(web=False)
    claimed = select(func.count()).select_from(DigestRun)

    # Killed while writing the digests: some are written, the job with the rest is lost.
    tick = stack.start_tick()  # queues the digests, as one job, before its slower work
    wait_until(lambda: stack.scalar(claimed) > 0, timeout=60, what="the first digest")
    stack.freeze_worker()
    written_before_the_kill = stack.scalar(claimed)
    stack.kill_worker()
    tick.finish()
    assert written_before_the_kill < PEOPLE, "the worker wrote every digest before the kill"

    # Killed while sending them: the SMTP server has taken a message, not yet said so.
    stack.tick()  # queues the rest; the digests written have no delivery job yet
    mailbox.hold()
    stack.start_worker()
    wait_until(mailbox.holding.is_set, timeout=60, what="a digest on its way")
    (in_flight,), _message = mailbox.messages[-1]
    stack.kill_worker()
    mailbox.release()
    let_the_claims_run_out(stack)

    stack.start_worker()
    sent = select(func.count()).where(EmailMessage.status == EmailStatus.SENT)
    stack.settle(lambda: stack.scalar(sent) >= PEOPLE, what="every digest sent")

    received = Counter(address for recipients, _ in mailbox.messages for address in recipients)
    duplicates = {address: count - 1 for address, count in received.items() if count > 1}
    runs = stack.query(select(DigestRun.user_id, DigestRun.email_message_id))
    fault_report(
        "worker SIGKILLed writing the digests, then sending them",
        digests_expected=PEOPLE,
        written_before_the_first_kill=written_before_the_kill,
        sent=stack.scalar(sent),
        received=len(received),
        duplicates=sum(duplicates.values()),
        mails_delivered=len(mailbox.messages),
    )
    assert set(received) == set(addresses), "a digest never arrived"
    assert len(runs) == PEOPLE and all(message_id for _user, message_id in runs)
    assert stack.scalar(select(func.count()).select_from(EmailMessage)) == PEOPLE
    # The documented window, and nothing else: the message taken as the worker died.
    assert set(duplicates) <= {in_flight} and sum(duplicates.values()) <= 1


def let_the_claims_run_out(stack) -> None:
    """Move the claims of the messages a dead worker was sending back by their timeout, as
    if it had passed: the sweep then takes them again."""
    claimed = select(EmailMessage.id, EmailMessage.sending_since, EmailMessage.next_attempt_at)
    for message_id, since, next_attempt in stack.query(
        claimed.where(EmailMessage.sending_since.is_not(None))
    ):
        stack.execute(
            update(EmailMessage)
            .where(EmailMessage.id == message_id)
            .values(
                sending_since=since - CLAIM_TIMEOUT, next_attempt_at=next_attempt - CLAIM_TIMEOUT
            )
        )


def test_the_thumbnail_is_made_after_the_worker_is_killed_making_it(stack, fault_report):
    draft = image_draft(stack.app)
    stack.start()
    designer = HttpSession(stack.web.port)
    token = designer.sign_in(draft.maker_email, PASSWORD)
    # Big enough that measuring it and making its thumbnail takes about a second.
    status = upload(designer, draft.upload_path, token, "poster.png", big_png())
    assert status == 302
    (version_id,) = stack.query(select(Version.id).where(Version.draft_id == draft.draft_id))[0]

    redis = Redis.from_url(stack.redis.url)
    processing = StartedJobRegistry(queue=Queue("slow", connection=redis))
    wait_until(lambda: processing.count > 0, timeout=60, what="the thumbnail job to start")
    stack.freeze_worker()
    processed = select(Version.processed_at).where(Version.id == version_id)
    assert stack.scalar(processed) is None, "the job was done before the kill"
    stack.kill_worker()

    stack.start_worker()
    # The sweep takes a version for lost once it has waited SWEEP_AFTER: let that time pass.
    created = stack.scalar(select(Version.created_at).where(Version.id == version_id))
    stack.execute(
        update(Version)
        .where(Version.id == version_id)
        .values(created_at=created - SWEEP_AFTER - timedelta(seconds=1))
    )
    stack.settle(lambda: stack.scalar(processed) is not None, what="the thumbnail")

    status, _ = designer.request("GET", f"/clients/{draft.slug}/versions/{version_id}/thumbnail")
    thumbnail = stack.scalar(select(Version.thumbnail_hash).where(Version.id == version_id))
    fault_report(
        "worker SIGKILLed making a thumbnail",
        thumbnail_made=thumbnail is not None,
        thumbnail_answer=status,
    )
    assert thumbnail is not None and status == 200
