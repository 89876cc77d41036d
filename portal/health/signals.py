"""One client's health from its facts: each signal's measures and score, the triggers that
fire, the drivers written as actions, and what the client may see (outside-in).

Plain Python over ``portal.health.facts``; no queries.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean, mean, median
from textwrap import shorten

from portal.health import scoring
from portal.health.business_hours import BusinessCalendar
from portal.health.facts import WINDOW, AgencyFacts, ClientFacts, RecentComment, WaitingComment
from portal.models import Band, PulseRating, StaffRole
from portal.urls import thread_location

# Staff whose answer to a question put to someone else is a relay, not a direct answer.
RELAY_ROLES = {StaffRole.ACCOUNT_MANAGER, StaffRole.CLIENT_SERVICES}
PULSE_VALUES = {PulseRating.HEALTHY: 2, PulseRating.CONCERNING: 1, PulseRating.POOR: 0}
MAX_DRIVERS = 6


@dataclass
class SignalResult:
    """A signal of one client: its measures' raw values, its score and its share of the total."""

    key: str
    label: str
    explanation: str
    measures: dict[str, float | None]
    display: str
    score: float | None = None
    weight: int = 0
    contribution: float | None = None

    def as_json(self) -> dict:
        return {
            "key": self.key, "label": self.label, "explanation": self.explanation,
            "display": self.display, "measures": self.measures, "weight": self.weight,
            "score": None if self.score is None else round(self.score, 1),
            "contribution": None if self.contribution is None else round(self.contribution, 1),
        }  # fmt: skip


@dataclass
class Driver:
    """Something behind the score, written as what to do about it, with where to do it."""

    key: str
    text: str
    action: str
    endpoint: str
    values: dict
    impact: float

    def as_json(self) -> dict:
        return {"key": self.key, "text": self.text, "action": self.action,
                "endpoint": self.endpoint, "values": self.values}  # fmt: skip


@dataclass
class ClientHealth:
    """The assessment of one client on one day."""

    client_id: int
    score: float | None
    band: Band | None
    profile: str
    signals: list[SignalResult]
    triggers: list[scoring.TriggerSpec]
    drivers: list[Driver] = field(default_factory=list)
    outside_in: dict = field(default_factory=dict)


def assess(
    facts: ClientFacts,
    agency: AgencyFacts,
    calendar: BusinessCalendar,
    weight_overrides: dict | None = None,
) -> ClientHealth:
    """Score one client from its facts, on the agency's calendar and weights."""
    now = agency.now
    onboarding = (now - facts.client.created_at).days < scoring.ONBOARDING_DAYS
    measured = _Measured(facts, agency, calendar)
    signals = measured.signals()
    weights = scoring.weights(weight_overrides, onboarding=onboarding)
    for signal in signals:
        scores = [scoring.CURVES[m].score(v) for m, v in signal.measures.items() if v is not None]
        signal.score = mean(scores) if scores else None
        signal.weight = weights[signal.key]
    score = scoring.weighted_score({s.key: s.score for s in signals}, weights)
    present = sum(s.weight for s in signals if s.score is not None and s.weight)
    for signal in signals:
        if signal.score is not None and signal.weight and present:
            signal.contribution = signal.score * signal.weight / present
    triggers = measured.triggers()
    health = ClientHealth(
        client_id=facts.client.id,
        score=score,
        # Banded on the score people see, so a 69.6 shown as 70 is Healthy.
        band=scoring.band_for(None if score is None else round(score), [t.cap for t in triggers]),
        profile="onboarding" if onboarding else "standard",
        signals=signals,
        triggers=triggers,
        outside_in=measured.outside_in(),
    )
    health.drivers = measured.drivers({s.key: s for s in signals})
    return health


class _Measured:
    """The raw measures of one client, computed once and shared by signals and drivers."""

    def __init__(self, facts: ClientFacts, agency: AgencyFacts, calendar: BusinessCalendar):
        self.facts, self.agency, self.calendar = facts, agency, calendar
        self.now: datetime = agency.now
        self.start = self.now - WINDOW
        # Due dates are calendar days of the agency's.
        self.today = self.now.astimezone(calendar.zone).date()
        self.slug = facts.client.slug
        self.day_hours = calendar.business_day_hours
        self.recent = facts.recent_comments
        self.answered = [c for c in self.recent if c.reply_at is not None]
        self.unanswered = facts.waiting_comments
        self.reply_hours = [self._hours(c.created_at, c.reply_at) for c in self.answered]
        self.waiting_versions = [v for v in facts.versions if v.is_latest and v.decided_at is None]

    def _hours(self, start: datetime, end: datetime) -> float:
        return self.calendar.business_hours(start, end)

    def _age_hours(self, comment: RecentComment | WaitingComment) -> float:
        return self._hours(comment.created_at, self.now)

    # ---- signals ------------------------------------------------------------------------

    def signals(self) -> list[SignalResult]:
        made = {
            "responsiveness": self._responsiveness,
            "directness": self._directness,
            "engagement": self._engagement,
            "decisions": self._decisions,
            "friction": self._friction,
            "sentiment": self._sentiment,
            "delivery": self._delivery,
            "deadlines": self._deadlines,
        }
        results = []
        for spec in scoring.SIGNALS:
            measures, display = made[spec.key]()
            results.append(SignalResult(spec.key, spec.label, spec.explanation, measures, display))
        return results

    def _responsiveness(self):
        median_reply = median(self.reply_hours) if self.reply_hours else None
        oldest = self._age_hours(self.unanswered[0]) if self.unanswered else None
        if oldest is None and self.recent:
            oldest = 0.0
        parts = []
        if median_reply is not None:
            parts.append(f"median reply {median_reply:.1f} business hours")
        if self.unanswered:
            parts.append(
                f"{len(self.unanswered)} unanswered, oldest {_days(oldest, self.day_hours)}"
            )
        elif self.recent:
            parts.append("nothing unanswered")
        measures = {"median_reply_hours": median_reply, "oldest_unanswered_hours": oldest}
        return measures, _sentence(parts, "No client comments in 30 days")

    def _is_direct(self, comment: RecentComment) -> bool:
        if comment.reply_author_id in comment.addressed:
            return True
        return not comment.addressed and comment.reply_author_role not in RELAY_ROLES

    def _directness(self):
        if not self.answered:
            return {"direct_share": None}, "No answers to measure yet"
        direct = sum(1 for c in self.answered if self._is_direct(c))
        share = direct / len(self.answered)
        return {"direct_share": share}, f"{direct} of {len(self.answered)} answers came direct"

    def _days_since_action(self) -> float | None:
        last = self.facts.last_action_at
        if last is None:
            return (self.now - self.facts.client.created_at).days if self.facts.people else None
        return (self.now - last).total_seconds() / 86400

    def _engagement(self):
        people = self.facts.people
        # People who acted and have since been deactivated still count as active.
        active_share = min(1.0, self.facts.active_people / people) if people else None
        days = self._days_since_action()
        parts = []
        if people:
            parts.append(f"{self.facts.active_people} of {people} people active")
        if days is not None:
            parts.append(f"last client action {int(days)} days ago")
        measures = {"active_share": active_share, "days_since_client_action": days}
        return measures, _sentence(parts, "No client people yet")

    def _decisions(self):
        waits = []
        for version in self.facts.versions:
            if version.decided_at is not None and version.created_at >= self.start:
                waits.append(self._hours(version.created_at, version.decided_at))
            elif version.decided_at is None and version.is_latest:
                waits.append(self._hours(version.created_at, self.now))
        overdue = [v for v in self.waiting_versions if v.due_date and v.due_date < self.today]
        if not waits:
            return {"median_decision_hours": None, "overdue_decisions": None}, "No versions"
        median_wait = median(waits)
        display = f"Median wait {_days(median_wait, self.day_hours)}; {len(overdue)} past due"
        measures = {"median_decision_hours": median_wait, "overdue_decisions": len(overdue)}
        return measures, display

    def _friction(self):
        measures = {"versions_vs_baseline": None, "changes_vs_baseline": None}
        parts = []
        approved = self.facts.approved_drafts
        baseline_versions = self.agency.baseline_versions_per_approval
        if approved and baseline_versions:
            per_draft = mean(n for _draft, n in approved)
            measures["versions_vs_baseline"] = per_draft / baseline_versions
            parts.append(f"{per_draft:.1f} versions per approval (agency {baseline_versions:.1f})")
        decisions = self.facts.decisions_in_window
        baseline_share = self.agency.baseline_changes_share
        if decisions and baseline_share is not None:
            share = self.facts.changes_requested_in_window / decisions
            measures["changes_vs_baseline"] = share / max(baseline_share, 0.1)
            parts.append(f"{share:.0%} changes requested (agency {baseline_share:.0%})")
        return measures, _sentence(parts, "No decisions in 30 days")

    def _sentiment(self):
        pulse = self.facts.pulse
        tone = fmean(c.tone for c in self.recent) if self.recent else None
        parts = []
        if pulse is not None:
            parts.append(f"pulse {PulseRating(pulse.rating).label}")
        if tone is not None:
            parts.append(f"comment tone {tone:+.2f}")
        pulse_value = PULSE_VALUES[PulseRating(pulse.rating)] if pulse is not None else None
        return {"pulse": pulse_value, "comment_tone": tone}, _sentence(parts, "No pulse yet")

    def _delivery(self):
        today = self.today
        # A draft due today and still in review is not late until its due date has passed.
        due_in_window = [
            d for d in self.facts.due_drafts
            if d[2] >= self.start.date() and (d[3] is not None or d[2] < today)
        ]  # fmt: skip
        on_time = [d for d in due_in_window if d[3] is not None and d[3] <= d[2]]
        overdue = [d for d in self.facts.due_drafts if d[3] is None and d[2] < today]
        if not due_in_window and not overdue:
            return {"on_time_share": None, "overdue_reviews": None}, "Nothing was due"
        share = len(on_time) / len(due_in_window) if due_in_window else None
        parts = [f"{len(on_time)} of {len(due_in_window)} on time"] if due_in_window else []
        parts.append(f"{len(overdue)} overdue")
        return {"on_time_share": share, "overdue_reviews": len(overdue)}, _sentence(parts, "")

    def _overdue_reviews(self) -> list[tuple[int, str, int, datetime, int]]:
        return [review for review in self.facts.review_deadlines if review[3] < self.now]

    def _deadlines(self):
        with_due = self.facts.review_deadlines
        if not with_due:
            # Versions waiting without a due date are none past it; no review, no data.
            overdue = 0 if self.waiting_versions else None
            return {"overdue_review_requests": overdue}, "No review waiting with a due date"
        overdue = self._overdue_reviews()
        owed = sum(review[4] for review in overdue)
        display = f"{len(overdue)} of {len(with_due)} reviews with a due date past it"
        if overdue:
            display += f"; {owed} decision{'s' if owed != 1 else ''} still owed"
        return {"overdue_review_requests": len(overdue)}, display

    # ---- triggers, drivers, outside-in ----------------------------------------------------

    def triggers(self) -> list[scoring.TriggerSpec]:
        fired = []
        limit = scoring.UNANSWERED_TRIGGER_DAYS * self.day_hours
        if self.unanswered and self._age_hours(self.unanswered[0]) > limit:
            fired.append(scoring.TRIGGERS_BY_KEY["unanswered_3_days"])
        pulse = self.facts.pulse
        if pulse is not None and pulse.rating == PulseRating.POOR:
            fired.append(scoring.TRIGGERS_BY_KEY["pulse_poor"])
        days = self._days_since_action()
        if days is not None and days >= scoring.SILENT_TRIGGER_DAYS and self.waiting_versions:
            fired.append(scoring.TRIGGERS_BY_KEY["silent_with_open_reviews"])
        return fired

    def drivers(self, signals: dict[str, SignalResult]) -> list[Driver]:
        def impact(key):
            signal = signals[key]
            return signal.weight * (100 - (signal.score if signal.score is not None else 100))

        found = [
            *self._unanswered_drivers(impact("responsiveness") + 1),
            *self._waiting_drivers(impact("decisions") + 1),
            *self._overdue_drivers(impact("delivery") + 1),
            *self._deadline_drivers(impact("deadlines") + 1),
            *self._pulse_drivers(impact("sentiment")),
            *self._signal_drivers(signals, impact),
        ]
        return sorted(found, key=lambda d: -d.impact)[:MAX_DRIVERS]

    def _unanswered_drivers(self, weight: float) -> list[Driver]:
        by_author: dict[str, list[WaitingComment]] = defaultdict(list)
        for comment in self.unanswered:
            by_author[comment.author_name].append(comment)
        drivers = []
        for name, comments in by_author.items():
            oldest = comments[0]
            age = self._age_hours(oldest)
            endpoint, values = thread_location(oldest.thread, self.slug, oldest.id)
            count = len(comments)
            text = (
                f"{count} comment{'s' if count > 1 else ''} from {name.split()[0]} "
                f"unanswered for {_over(age, self.day_hours)}"
            )
            drivers.append(Driver("unanswered", text, "answer", endpoint, values, weight + age))
        return drivers

    def _waiting_drivers(self, weight: float) -> list[Driver]:
        drivers = []
        for version in self.waiting_versions:
            age = self._hours(version.created_at, self.now)
            if age < 2 * self.day_hours:
                continue
            text = (
                f"Version {version.number} of “{version.draft_title}” waiting "
                f"{_days(age, self.day_hours)} for a decision"
            )
            values = {"slug": self.slug, "draft_id": version.draft_id}
            drivers.append(Driver("waiting", text, "nudge", "drafts.show", values, weight + age))
        return drivers

    def _overdue_drivers(self, weight: float) -> list[Driver]:
        drivers = []
        for draft_id, title, due_date, approved_on in self.facts.due_drafts:
            late = (self.today - due_date).days
            if approved_on is None and late > 0:
                text = f"“{title}” is {late} day{'s' if late > 1 else ''} past its due date"
                values = {"slug": self.slug, "draft_id": draft_id}
                drivers.append(
                    Driver("overdue", text, "agree a date", "drafts.show", values, weight + late)
                )
        return drivers

    def _deadline_drivers(self, weight: float) -> list[Driver]:
        drivers = []
        for draft_id, title, number, due_at, owed in self._overdue_reviews():
            late = self._hours(due_at, self.now)
            text = (
                f"Version {number} of “{title}” is {_over(late, self.day_hours)} past its "
                f"decision date; {owed} reviewer{'s' if owed != 1 else ''} yet to decide"
            )
            values = {"slug": self.slug, "draft_id": draft_id}
            drivers.append(Driver("review_overdue", text, "nudge", "drafts.show", values,
                                  weight + late))  # fmt: skip
        return drivers

    def _pulse_drivers(self, weight: float) -> list[Driver]:
        pulse = self.facts.pulse
        if pulse is None or pulse.rating == PulseRating.HEALTHY:
            return []
        comment = shorten(pulse.comment, 120, placeholder="…")
        text = f"Pulse {PulseRating(pulse.rating).label}: “{comment}”"
        values = {"slug": self.slug}
        return [Driver("pulse", text, "follow up", "health.client", values, weight)]

    def _signal_drivers(self, signals, impact) -> list[Driver]:
        drivers = []
        slug = {"slug": self.slug}
        directness = signals["directness"]
        if directness.score is not None and directness.score < 60:
            relayed = len(self.answered) - sum(1 for c in self.answered if self._is_direct(c))
            text = f"{relayed} of {len(self.answered)} answers were relayed, not from the maker"
            drivers.append(Driver("relayed", text, "ask the makers to reply", "health.client",
                                  slug, impact("directness")))  # fmt: skip
        engagement = signals["engagement"]
        days = engagement.measures["days_since_client_action"]
        if days is not None and days >= 7:
            text = f"No client activity for {int(days)} days"
            drivers.append(
                Driver("quiet", text, "check in", "clients.home", slug, impact("engagement"))
            )
        responsiveness = signals["responsiveness"]
        median_reply = responsiveness.measures["median_reply_hours"]
        if median_reply is not None and median_reply > 8:
            text = f"Replies take a median {median_reply:.0f} business hours"
            drivers.append(
                Driver("slow", text, "see what waits", "inbox.index", {}, impact("responsiveness"))
            )
        return drivers

    def outside_in(self) -> dict:
        """How the agency is doing for the client: nothing internal, no score or band."""
        within_day = sum(1 for hours in self.reply_hours if hours <= self.day_hours)
        decided = sum(1 for c in self.recent if c.reply_at is not None or not self._young(c))
        return {
            "median_reply_hours": median(self.reply_hours) if self.reply_hours else None,
            "answered_within_day": within_day / decided if decided else None,
            "comments": len(self.recent),
        }

    def _young(self, comment: RecentComment) -> bool:
        """Unanswered but not yet a business day old: it can still be answered in time."""
        return self._age_hours(comment) <= self.day_hours


def _days(hours: float, day_hours: float) -> str:
    days = int(hours // day_hours)
    if days < 1:
        return f"{hours:.0f} business hours"
    return f"{days} business day{'s' if days != 1 else ''}"


def _over(hours: float, day_hours: float) -> str:
    days = int(hours // day_hours)
    if days < 1:
        return f"{hours:.0f} business hours"
    return f"over {days} business day{'s' if days > 1 else ''}"


def _sentence(parts: list[str], empty: str) -> str:
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] if text else empty
