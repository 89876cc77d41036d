"""Relationship health, signal by signal, at a frozen moment.

Every row is dated explicitly and every assessment is made at an explicit ``now``, never the
wall clock. NOW is Wednesday 18 November 2026, 15:00 in London (GMT, so UTC and London
agree); the agency keeps the default calendar: London, Monday to Friday 9-17, England's
bank holidays. Northwind and its people date from January, long before any window here.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.drafts.services import draft_thread, latest_version, record_decision
from portal.extensions import db
from portal.health.signals import ClientHealth
from portal.health.snapshots import assess_clients, take_snapshots
from portal.health.tone import tone_of
from portal.models import (
    Band,
    Client,
    ClientRole,
    Comment,
    HealthSnapshot,
    Pulse,
    PulseRating,
    StaffRole,
    Thread,
    User,
    Verdict,
    Version,
)
from portal.threads.services import edit_comment
from tests.factories import (
    assign,
    make_client,
    make_client_user,
    make_comment,
    make_draft,
    make_invitation,
    make_project,
    make_staff,
    make_thread,
    make_version,
    persist,
)
from tests.review import make_draft_in_review

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 18, 15, tzinfo=UTC)
ESTABLISHED = datetime(2026, 1, 5, 10, tzinfo=UTC)


def london(*parts) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


# --- dating rows ---------------------------------------------------------------------------


def dated(row, moment: datetime, **fields):
    """``row`` (from this or another app context) with ``created_at`` set to ``moment`` and
    any other ``fields``, committed."""
    stored = db.session.get(type(row), row.id)
    for name, value in {"created_at": moment, **fields}.items():
        setattr(stored, name, value)
    db.session.commit()
    return stored


def said(thread, author, moment: datetime, body="A comment.", **kwargs) -> Comment:
    """``author``'s comment in ``thread``, posted at ``moment``."""
    return dated(make_comment(db.session.get(Thread, thread.id), author, body, **kwargs), moment)


def opening_comment(thread) -> Comment:
    return db.session.scalar(
        select(Comment).where(Comment.thread_id == thread.id).order_by(Comment.id)
    )


def asked(thread, moment: datetime, **fields) -> Comment:
    """The question ``thread`` was opened with, dated ``moment``."""
    return dated(opening_comment(thread), moment, **fields)


def shown(draft, moment: datetime, **draft_fields) -> Version:
    """``draft`` made a few days before ``moment``, its latest version shown at ``moment``."""
    dated(draft, moment - timedelta(days=3), **draft_fields)
    return dated(latest_version(draft), moment)


def revised(draft, moment: datetime) -> Version:
    """The next version of ``draft``, by its maker, shown at ``moment``."""
    maker = db.session.get(User, draft.maker_id)
    return dated(make_version(db.session.get(type(draft), draft.id), maker), moment)


def decided(version, person, moment: datetime, verdict=Verdict.APPROVED, note=""):
    """``person``'s verdict on ``version``, made at ``moment`` (changes come with a note)."""
    if verdict == Verdict.CHANGES_REQUESTED:
        note = note or "Warmer, please."
    decision = record_decision(person, db.session.get(Version, version.id), verdict, note)
    return dated(persist(decision), moment)


def pulse(account, rating: PulseRating, moment: datetime, comment="Feels that way.") -> Pulse:
    """The account manager's pulse on Northwind, taken at ``moment``."""
    return persist(
        Pulse(
            client_id=account.client.id,
            author_id=account.manager.id,
            rating=rating,
            comment=comment,
            created_at=moment,
        )
    )


# --- reading health ------------------------------------------------------------------------


def health_of(client, now: datetime = NOW) -> ClientHealth:
    """``client``'s health at ``now``, assessed with every other live client."""
    return assess_clients(now)[client.id]


def signal(health: ClientHealth, key: str):
    return next(s for s in health.signals if s.key == key)


def measures(client, key: str, now: datetime = NOW) -> dict:
    return signal(health_of(client, now), key).measures


def trigger_keys(health: ClientHealth) -> set[str]:
    return {t.key for t in health.triggers}


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def account(app, account):
    """The shared review account, established in January: every client and person in it
    was created long before NOW."""
    with app.app_context():
        for model in (Client, User):
            for row in db.session.scalars(select(model)):
                row.created_at = ESTABLISHED
        db.session.commit()
    return account


@pytest.fixture
def warm_thread(app, account, thread):
    """The reviewers' "Launch date" thread as a model of a healthy week: Hannah asked on
    Monday, Omar thanked the team warmly this morning, and Dana answered each within the
    hour. On its own it gives Northwind a score of 100."""
    with app.app_context():
        asked(thread, london(2026, 11, 16, 10))
        said(thread, account.writer, london(2026, 11, 16, 10, 30), "We launch on 4 December.")
        said(
            thread,
            account.second_reviewer,
            london(2026, 11, 18, 11),
            "Brilliant, thank you so much, we love it!",
        )
        said(thread, account.writer, london(2026, 11, 18, 11, 20), "Glad it lands well!")
    return thread


def client_question(account, title: str, body: str):
    """A project thread the reviewer opens with ``body``: a client question to the agency."""
    return make_thread(
        account.client, account.reviewer, project=account.project, title=title, body=body
    )


def test_the_warm_thread_alone_is_healthy(app, account, warm_thread):
    with app.app_context():
        health = health_of(account.client)
    assert health.score == pytest.approx(100)
    assert health.band is Band.HEALTHY
    assert health.triggers == []
    assert health.profile == "standard"


# --- responsiveness ------------------------------------------------------------------------


def test_a_reply_after_the_weekend_counts_only_business_hours(app, account, thread):
    with app.app_context():
        asked(thread, london(2026, 11, 13, 16))  # Friday 16:00
        said(thread, account.writer, london(2026, 11, 16, 10), "The 4th.")  # Monday 10:00
        responsiveness = measures(account.client, "responsiveness")
    assert responsiveness == {"median_reply_hours": 2.0, "oldest_unanswered_hours": 0.0}


def test_the_reply_time_is_the_median_of_every_answered_comment(app, account, thread):
    with app.app_context():
        asked(thread, london(2026, 11, 13, 16))
        said(thread, account.writer, london(2026, 11, 16, 10), "The 4th.")  # 2 hours
        said(thread, account.reviewer, london(2026, 11, 16, 11), "Which time?")
        said(thread, account.writer, london(2026, 11, 16, 12), "Nine.")  # 1 hour
        said(thread, account.second_reviewer, london(2026, 11, 17, 9), "And the venue?")
        said(thread, account.manager, london(2026, 11, 17, 15), "Leeds.")  # 6 hours
        health = health_of(account.client)
    assert signal(health, "responsiveness").measures["median_reply_hours"] == 2.0
    assert health.outside_in["median_reply_hours"] == 2.0
    assert health.outside_in["answered_within_day"] == 1.0


def test_a_staff_only_note_is_no_reply(app, account, thread):
    with app.app_context():
        asked(thread, london(2026, 11, 16, 10))
        said(thread, account.writer, london(2026, 11, 16, 11), "Ada, do we know?", internal=True)
        before_the_answer = measures(account.client, "responsiveness")
        said(thread, account.writer, london(2026, 11, 17, 12), "The 4th.")
        after_the_answer = measures(account.client, "responsiveness")
    # Monday 10:00 to Wednesday 15:00 is 7 + 8 + 6 hours, the note notwithstanding.
    assert before_the_answer == {"median_reply_hours": None, "oldest_unanswered_hours": 21.0}
    # The reply time runs to the first answer the client can see: Monday 10:00 to Tuesday 12:00.
    assert after_the_answer == {"median_reply_hours": 10.0, "oldest_unanswered_hours": 0.0}


def test_a_reply_across_a_bank_holiday_skips_it(app, account, thread):
    # Monday 31 August 2026 is the summer bank holiday in England (London is on BST).
    with app.app_context():
        asked(thread, london(2026, 8, 28, 16))  # Friday
        said(thread, account.writer, london(2026, 9, 1, 10), "The 4th.")  # Tuesday
        responsiveness = measures(account.client, "responsiveness", now=london(2026, 9, 1, 15))
    assert responsiveness["median_reply_hours"] == 2.0


def test_unanswered_comments_are_counted_with_the_age_of_the_oldest(app, account, thread):
    with app.app_context():
        asked(thread, london(2026, 11, 17, 10))  # 7 + 6 business hours by NOW
        said(thread, account.reviewer, london(2026, 11, 18, 14), "Any news?")
        health = health_of(account.client)
    responsiveness = signal(health, "responsiveness")
    assert responsiveness.measures == {"median_reply_hours": None, "oldest_unanswered_hours": 13.0}
    unanswered = next(d for d in health.drivers if d.key == "unanswered")
    assert unanswered.text == "2 comments from Hannah unanswered for over 1 business day"
    assert unanswered.endpoint == "threads.show"
    assert unanswered.values["thread_id"] == thread.id
    assert health.outside_in["answered_within_day"] == 0.0


def test_a_resolved_comment_without_a_reply_is_not_waiting(app, account, thread):
    with app.app_context():
        asked(
            thread,
            london(2026, 11, 16, 10),
            resolved_at=london(2026, 11, 16, 12),
            resolved_by_id=account.writer.id,
        )
        responsiveness = measures(account.client, "responsiveness")
    assert responsiveness == {"median_reply_hours": None, "oldest_unanswered_hours": 0.0}


def test_a_comment_resolved_only_after_now_still_waits_at_now(app, account, thread):
    with app.app_context():
        asked(
            thread,
            london(2026, 11, 17, 10),
            resolved_at=NOW + timedelta(days=1),
            resolved_by_id=account.writer.id,
        )
        responsiveness = measures(account.client, "responsiveness")
    assert responsiveness["oldest_unanswered_hours"] == 13.0


def test_a_reply_posted_after_now_leaves_the_comment_unanswered_at_now(app, account, thread):
    with app.app_context():
        asked(thread, london(2026, 11, 18, 10))
        said(thread, account.writer, london(2026, 11, 18, 16), "The 4th.")  # an hour after NOW
        at_now = measures(account.client, "responsiveness")
        that_evening = measures(account.client, "responsiveness", now=london(2026, 11, 18, 17))
    assert at_now == {"median_reply_hours": None, "oldest_unanswered_hours": 5.0}
    assert that_evening == {"median_reply_hours": 6.0, "oldest_unanswered_hours": 0.0}


def test_a_comment_unanswered_over_three_business_days_caps_the_band_at_watch(
    app, account, warm_thread
):
    with app.app_context():
        brochure = client_question(account, "Brochure", "Any news on the brochure?")
        # Thursday 14:00 to Wednesday 15:00: 3 + 8 + 8 + 8 + 6 = 33 business hours.
        asked(brochure, london(2026, 11, 12, 14))
        health = health_of(account.client)
    assert signal(health, "responsiveness").measures["oldest_unanswered_hours"] == 33.0
    assert trigger_keys(health) == {"unanswered_3_days"}
    assert health.score >= 70
    assert health.band is Band.WATCH


def test_a_comment_waiting_exactly_three_business_days_does_not_trigger(app, account, warm_thread):
    with app.app_context():
        brochure = client_question(account, "Brochure", "Any news on the brochure?")
        asked(brochure, london(2026, 11, 13, 15))  # 2 + 8 + 8 + 6 = 24 business hours
        health = health_of(account.client)
    assert health.triggers == []


# --- directness ----------------------------------------------------------------------------


def test_an_answer_from_the_drafts_maker_is_direct(app, account, draft_in_review):
    with app.app_context():
        shown(draft_in_review, london(2026, 11, 13, 10))
        discussion = draft_thread(draft_in_review)
        said(discussion, account.reviewer, london(2026, 11, 16, 10), "Shorter, please?")
        said(discussion, account.writer, london(2026, 11, 16, 11), "On it.")
        health = health_of(account.client)
    assert signal(health, "directness").measures == {"direct_share": 1.0}
    assert signal(health, "directness").display == "1 of 1 answers came direct"


def test_the_account_manager_answering_for_the_maker_is_a_relay(app, account, draft_in_review):
    with app.app_context():
        shown(draft_in_review, london(2026, 11, 13, 10))
        discussion = draft_thread(draft_in_review)
        said(discussion, account.reviewer, london(2026, 11, 16, 10), "Shorter, please?")
        said(discussion, account.manager, london(2026, 11, 16, 11), "I'll ask Dana.")
        said(discussion, account.writer, london(2026, 11, 16, 12), "Done.")
        health = health_of(account.client)
    assert signal(health, "directness").measures == {"direct_share": 0.0}
    relayed = next(d for d in health.drivers if d.key == "relayed")
    assert relayed.text == "1 of 1 answers were relayed, not from the maker"


def test_an_answer_from_the_person_mentioned_is_direct_and_anyone_elses_a_relay(app, account):
    with app.app_context():
        logo = client_question(account, "Logo", "@mateo can the logo be bigger?")
        asked(logo, london(2026, 11, 16, 10))
        said(logo, account.manager, london(2026, 11, 16, 11), "I'll check with Mateo.")
        colours = client_question(account, "Colours", "@mateo warmer colours?")
        asked(colours, london(2026, 11, 16, 10))
        said(colours, account.designer, london(2026, 11, 16, 11), "Yes, coming.")
        health = health_of(account.client)
    assert signal(health, "directness").measures == {"direct_share": 0.5}


def test_in_a_thread_addressed_to_nobody_a_maker_answers_direct_client_services_relays(
    app, account
):
    with app.app_context():
        services = make_staff(StaffRole.CLIENT_SERVICES, name="Cleo Services")
        assign(account.client, services)
        for number, answerer in enumerate((account.writer, services)):
            question = make_thread(
                account.client,
                account.reviewer,
                project=account.project,
                title=f"Question {number}",
                body="Who prints it?",
            )
            asked(question, london(2026, 11, 16, 10 + number))
            said(question, answerer, london(2026, 11, 16, 11 + number), "Our printer.")
        health = health_of(account.client)
    assert signal(health, "directness").measures == {"direct_share": 0.5}
    assert signal(health, "directness").display == "1 of 2 answers came direct"


# --- engagement ----------------------------------------------------------------------------


def test_engagement_is_active_people_out_of_everyone_with_access_or_invited(app, account, thread):
    with app.app_context():
        asked(thread, london(2026, 11, 16, 10))  # Hannah acts; Omar does not
        said(thread, account.writer, london(2026, 11, 18, 14), "The 4th.")  # staff, no client act
        invited = {"client": account.client, "role": ClientRole.MEMBER}
        dated(
            make_invitation("pending", **invited),
            london(2026, 11, 2, 9),
            expires_at=london(2026, 12, 2, 9),
        )
        dated(
            make_invitation("expired", **invited),
            london(2026, 10, 1, 9),
            expires_at=london(2026, 10, 8, 9),
        )
        dated(
            make_invitation("revoked", **invited),
            london(2026, 11, 2, 9),
            expires_at=london(2026, 12, 2, 9),
            revoked_at=london(2026, 11, 5, 9),
        )
        health = health_of(account.client)
    engagement = signal(health, "engagement")
    assert engagement.measures["active_share"] == pytest.approx(1 / 3)
    # Monday 10:00 to Wednesday 15:00.
    assert engagement.measures["days_since_client_action"] == pytest.approx(2 + 5 / 24)
    assert engagement.display == "1 of 3 people active; last client action 2 days ago"


def test_a_decision_is_a_client_action_too(app, account, thread, draft_in_review):
    with app.app_context():
        asked(thread, london(2026, 11, 2, 10))
        version = shown(draft_in_review, london(2026, 11, 10, 10))
        decided(version, account.second_reviewer, london(2026, 11, 11, 15))
        engagement = measures(account.client, "engagement")
    assert engagement == {"active_share": 1.0, "days_since_client_action": 7.0}


# --- decision turnaround -------------------------------------------------------------------


def test_decision_turnaround_is_business_hours_from_version_to_decision(
    app, account, draft_in_review
):
    with app.app_context():
        first = shown(draft_in_review, london(2026, 11, 9, 10))  # Monday
        # Monday 10:00 to Tuesday 12:00: 7 + 3 = 10 hours.
        decided(first, account.reviewer, london(2026, 11, 10, 12), Verdict.CHANGES_REQUESTED)
        second = revised(draft_in_review, london(2026, 11, 11, 10))
        decided(second, account.reviewer, london(2026, 11, 11, 14))  # 4 hours
        decisions = measures(account.client, "decisions")
    assert decisions == {"median_decision_hours": 7.0, "overdue_decisions": 0}


def test_a_version_still_waiting_counts_its_wait_so_far(app, account, draft_in_review):
    with app.app_context():
        shown(draft_in_review, london(2026, 11, 16, 10))  # 7 + 8 + 6 hours by NOW
        health = health_of(account.client)
    assert signal(health, "decisions").measures == {
        "median_decision_hours": 21.0,
        "overdue_decisions": 0,
    }
    waiting = next(d for d in health.drivers if d.key == "waiting")
    assert waiting.values == {"slug": "northwind", "draft_id": draft_in_review.id}


def test_an_undecided_version_past_its_drafts_due_date_is_overdue(app, account, draft_in_review):
    with app.app_context():
        shown(draft_in_review, london(2026, 11, 10, 10), due_date=date(2026, 11, 16))
        banner = make_draft_in_review(account, title="Spring banner")
        shown(banner, london(2026, 11, 17, 10), due_date=date(2026, 11, 25))
        price_list = make_draft_in_review(account, title="Price list")
        approved = shown(price_list, london(2026, 11, 10, 10), due_date=date(2026, 11, 16))
        decided(approved, account.reviewer, london(2026, 11, 17, 10))
        health = health_of(account.client)
    assert signal(health, "decisions").measures["overdue_decisions"] == 1
    overdue = next(d for d in health.drivers if d.key == "overdue")
    assert overdue.text == "“Homepage intro” is 2 days past its due date"


# --- revision friction ---------------------------------------------------------------------


@pytest.fixture
def revised_twice_and_approved_first_time(app, account, draft_in_review):
    """Northwind's "Homepage intro" approved at its third version after two rounds of changes,
    and Southwind's "Menu" approved at its first: the agency's baseline is two versions per
    approval and half its decisions asking for changes."""
    with app.app_context():
        first = shown(draft_in_review, london(2026, 11, 2, 10))
        decided(first, account.reviewer, london(2026, 11, 3, 10), Verdict.CHANGES_REQUESTED)
        second = revised(draft_in_review, london(2026, 11, 4, 10))
        decided(second, account.reviewer, london(2026, 11, 5, 10), Verdict.CHANGES_REQUESTED)
        third = revised(draft_in_review, london(2026, 11, 6, 10))
        decided(third, account.reviewer, london(2026, 11, 9, 10))
        menu = make_draft(make_project(account.other_client), account.other_staff, title="Menu")
        make_version(menu, account.other_staff)
        decided(
            shown(menu, london(2026, 11, 2, 10)), account.other_reviewer, london(2026, 11, 3, 10)
        )


def test_revision_friction_compares_versions_and_changes_with_the_agency(
    app, account, revised_twice_and_approved_first_time
):
    with app.app_context():
        healths = assess_clients(NOW)
    northwind = signal(healths[account.client.id], "friction")
    southwind = signal(healths[account.other_client.id], "friction")
    assert northwind.measures == {
        "versions_vs_baseline": 1.5,
        "changes_vs_baseline": pytest.approx((2 / 3) / 0.5),
    }
    assert southwind.measures == {"versions_vs_baseline": 0.5, "changes_vs_baseline": 0.0}
    assert southwind.score == 100
    assert northwind.score < southwind.score


def test_one_client_assessed_alone_is_still_compared_with_the_whole_agency(
    app, account, revised_twice_and_approved_first_time
):
    with app.app_context():
        alone = assess_clients(NOW, [account.client.id])
    assert list(alone) == [account.client.id]
    assert signal(alone[account.client.id], "friction").measures["versions_vs_baseline"] == 1.5


# --- sentiment -----------------------------------------------------------------------------


def test_the_latest_pulse_by_now_scores_the_sentiment(app, account):
    with app.app_context():
        pulse(account, PulseRating.POOR, london(2026, 11, 1, 9))
        pulse(account, PulseRating.CONCERNING, london(2026, 11, 10, 9), "Slow to sign off.")
        pulse(account, PulseRating.HEALTHY, NOW + timedelta(days=1))
        health = health_of(account.client)
    sentiment = signal(health, "sentiment")
    assert sentiment.measures == {"pulse": 1, "comment_tone": None}
    assert sentiment.score == 50
    assert sentiment.display == "Pulse Concerning"
    assert next(d for d in health.drivers if d.key == "pulse").text == (
        "Pulse Concerning: “Slow to sign off.”"
    )


def test_comment_tone_tells_an_unhappy_client_from_a_happy_one(app, account, thread):
    with app.app_context():
        asked(
            thread,
            london(2026, 11, 16, 10),
            body="This is terrible. We are really disappointed and angry about the delays.",
        )
        praise = make_thread(
            account.other_client,
            account.other_reviewer,
            title="Thanks",
            body="Brilliant work, thank you, we love it!",
        )
        asked(praise, london(2026, 11, 16, 10))
        healths = assess_clients(NOW)
    unhappy = signal(healths[account.client.id], "sentiment")
    happy = signal(healths[account.other_client.id], "sentiment")
    assert unhappy.measures["comment_tone"] < -0.5
    assert happy.measures["comment_tone"] > 0.4
    assert (unhappy.score, happy.score) == (0, 100)


def test_a_comments_tone_is_scored_once_and_again_after_an_edit(app, account, thread):
    with app.app_context():
        question = asked(thread, london(2026, 11, 16, 10), body="We are angry about the delays.")
        assert question.tone is None
        take_snapshots(NOW)
        db.session.commit()
        scored = db.session.get(Comment, question.id)
        assert scored.tone == tone_of("We are angry about the delays.") < 0
        # The next run reads the score kept, not the body.
        dated(scored, scored.created_at, tone=0.9)
        assert signal(assess_clients(NOW)[account.client.id], "sentiment").measures[
            "comment_tone"
        ] == pytest.approx(0.9)
        edit_comment(db.session.get(User, question.author_id), scored, "Lovely, thanks!", 1)
        db.session.commit()
        assert db.session.get(Comment, question.id).tone is None
        tone = signal(assess_clients(NOW)[account.client.id], "sentiment").measures
        assert tone["comment_tone"] == tone_of("Lovely, thanks!") > 0


def test_a_poor_pulse_caps_the_band_at_at_risk(app, account, warm_thread):
    with app.app_context():
        pulse(account, PulseRating.POOR, london(2026, 11, 17, 9), "They are looking elsewhere.")
        health = health_of(account.client)
    assert trigger_keys(health) == {"pulse_poor"}
    assert health.score >= 70
    assert health.band is Band.AT_RISK


# --- delivery ------------------------------------------------------------------------------


def test_delivery_counts_drafts_approved_by_their_due_date_and_reviews_overdue(app, account):
    with app.app_context():
        due = {
            "Homepage intro": date(2026, 11, 10),
            "Spring banner": date(2026, 11, 12),
            "Price list": date(2026, 11, 16),
        }
        versions = {
            title: shown(
                make_draft_in_review(account, title=title),
                london(2026, 11, 5, 10),
                due_date=due_date,
            )
            for title, due_date in due.items()
        }
        decided(versions["Homepage intro"], account.reviewer, london(2026, 11, 9, 10))  # early
        decided(versions["Spring banner"], account.reviewer, london(2026, 11, 13, 10))  # late
        health = health_of(account.client)
    delivery = signal(health, "delivery")
    assert delivery.measures == {"on_time_share": pytest.approx(1 / 3), "overdue_reviews": 1}
    assert delivery.display == "1 of 3 on time; 1 overdue"


def test_a_draft_due_today_and_still_in_review_is_not_late_yet(app, account, draft_in_review):
    with app.app_context():
        shown(draft_in_review, london(2026, 11, 16, 10), due_date=NOW.date())
        delivery = measures(account.client, "delivery")
        next_morning = measures(account.client, "delivery", now=london(2026, 11, 19, 9))
    assert delivery == {"on_time_share": None, "overdue_reviews": None}
    assert next_morning == {"on_time_share": 0.0, "overdue_reviews": 1}


# --- silence, onboarding and missing data ---------------------------------------------------


@pytest.fixture
def quiet_since_october(app, account, thread):
    """Hannah's last word was on Tuesday 27 October (answered at once), 22 days before NOW."""
    with app.app_context():
        asked(thread, london(2026, 10, 27, 10))
        said(thread, account.writer, london(2026, 10, 27, 10, 30), "The 4th.")
    return thread


def test_three_silent_weeks_with_a_review_waiting_cap_the_band_at_at_risk(
    app, account, quiet_since_october, draft_in_review
):
    with app.app_context():
        shown(draft_in_review, london(2026, 11, 16, 10))
        health = health_of(account.client)
    assert trigger_keys(health) == {"silent_with_open_reviews"}
    assert health.score >= 70
    assert health.band is Band.AT_RISK


def test_three_silent_weeks_with_nothing_waiting_trigger_nothing(app, account, quiet_since_october):
    with app.app_context():
        health = health_of(account.client)
    assert health.triggers == []
    assert next(d for d in health.drivers if d.key == "quiet").text == (
        "No client activity for 22 days"
    )


def test_a_client_younger_than_thirty_days_is_scored_on_the_onboarding_profile(app, account):
    with app.app_context():
        newcomer = make_client("Eastwind")
        dated(newcomer, NOW - timedelta(days=14))
        dated(make_client_user(newcomer), NOW - timedelta(days=14))
        month_old = make_client("Westwind")
        dated(month_old, NOW - timedelta(days=30))
        healths = assess_clients(NOW)
    onboarding = healths[newcomer.id]
    assert onboarding.profile == "onboarding"
    weights = {s.key: s.weight for s in onboarding.signals}
    assert (weights["friction"], weights["delivery"], weights["engagement"]) == (0, 0, 30)
    assert healths[month_old.id].profile == "standard"
    assert healths[account.client.id].profile == "standard"
    assert signal(healths[account.client.id], "friction").weight == 10


def test_a_client_not_yet_created_at_now_is_not_assessed(app, account):
    with app.app_context():
        later = make_client("Later")
        dated(later, NOW + timedelta(days=1))
        healths = assess_clients(NOW)
    assert later.id not in healths


def test_signals_without_data_are_left_out_of_the_score(app, account):
    with app.app_context():
        pulse(account, PulseRating.HEALTHY, london(2026, 11, 10, 9))
        health = health_of(account.client)
    scores = {s.key: s.score for s in health.signals}
    for key in ("responsiveness", "directness", "decisions", "friction", "delivery"):
        assert scores[key] is None, key
    # Nobody at Northwind has acted in the window (engagement 0); the pulse is Healthy (100).
    assert (scores["engagement"], scores["sentiment"]) == (0, 100)
    assert health.score == pytest.approx(50)
    assert health.band is Band.WATCH


# --- snapshots -----------------------------------------------------------------------------


def test_snapshots_twice_in_a_day_keep_one_row_per_client_and_update_it(app, account, warm_thread):
    with app.app_context():
        assert take_snapshots(NOW) == 2
        db.session.commit()
        said(warm_thread, account.reviewer, london(2026, 11, 18, 16), "And the venue?")
        assert take_snapshots(london(2026, 11, 18, 23)) == 2
        db.session.commit()
        rows = db.session.scalars(select(HealthSnapshot).order_by(HealthSnapshot.client_id)).all()
        assert [(row.client_id, row.day) for row in rows] == [
            (account.client.id, date(2026, 11, 18)),
            (account.other_client.id, date(2026, 11, 18)),
        ]
        northwind = rows[0]
        assert northwind.computed_at == london(2026, 11, 18, 23)
        assert northwind.score < 100
        take_snapshots(london(2026, 11, 19, 9))
        db.session.commit()
        assert db.session.scalar(select(func.count(HealthSnapshot.id))) == 4
