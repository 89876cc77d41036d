"""The health model as one table: signals, weights, curves, bands, triggers and profiles.

Every number that decides a client's health is here, so tuning the model means editing this
file (or, for the weights, the admin page, which stores overrides in the agency settings).

A signal's score is the mean of its measures' scores; a measure's score comes from its raw
value through a piecewise-linear curve between stated points (flat beyond the ends). The
client's score is the weighted mean of the signals that have data: a signal without data
is left out and the other weights are renormalised, never scored as 0. Hard triggers then
cap the band.
"""

from dataclasses import dataclass

from portal.models import Band


@dataclass(frozen=True)
class Curve:
    """A piecewise-linear map from a raw value to a score, through ``points`` (raw, score)
    sorted by raw value; below the first point and above the last the score stays flat."""

    points: tuple[tuple[float, float], ...]

    def score(self, raw: float) -> float:
        """The score for ``raw``, 0 to 100."""
        (first_raw, first_score), (last_raw, last_score) = self.points[0], self.points[-1]
        if raw <= first_raw:
            return first_score
        if raw >= last_raw:
            return last_score
        for (x0, y0), (x1, y1) in zip(self.points, self.points[1:], strict=False):
            if x0 <= raw <= x1:
                return y0 + (y1 - y0) * (raw - x0) / (x1 - x0)
        raise AssertionError("unreachable: raw lies between the first and last points")


# Measure -> the curve its raw value is scored on. Hours are business hours (8 to a day).
CURVES = {
    # Median time from a client comment to the first client-visible staff answer.
    "median_reply_hours": Curve(((2, 100), (4, 90), (8, 70), (16, 40), (40, 0))),
    # How long the oldest unanswered client comment has waited.
    "oldest_unanswered_hours": Curve(((0, 100), (8, 75), (16, 50), (24, 25), (40, 0))),
    # Answers that came first from the maker or the person asked, not relayed.
    "direct_share": Curve(((0.25, 0), (0.6, 60), (0.9, 100))),
    # Client people active in 30 days out of those with access or invited.
    "active_share": Curve(((0.1, 0), (0.4, 60), (0.75, 100))),
    "days_since_client_action": Curve(((3, 100), (7, 80), (14, 40), (21, 0))),
    # Median time from a version shown to the client's decision (waits so far included).
    "median_decision_hours": Curve(((8, 100), (24, 80), (48, 40), (96, 0))),
    "overdue_decisions": Curve(((0, 100), (1, 60), (3, 0))),
    # Versions per approved draft, and share of "changes requested", over the agency's own.
    "versions_vs_baseline": Curve(((1.0, 100), (1.5, 60), (2.5, 0))),
    "changes_vs_baseline": Curve(((1.0, 100), (1.5, 60), (2.5, 0))),
    # The account manager's pulse, and the tone of the client's comments (VADER compound).
    "pulse": Curve(((0, 0), (1, 50), (2, 100))),
    "comment_tone": Curve(((-0.5, 0), (0.0, 60), (0.4, 100))),
    # Drafts due in the window approved by their due date; reviews past due and still open.
    "on_time_share": Curve(((0.5, 0), (0.8, 70), (1.0, 100))),
    "overdue_reviews": Curve(((0, 100), (1, 60), (3, 0))),
    # Reviews whose decision due time (set by staff) has passed while reviewers owe one.
    "overdue_review_requests": Curve(((0, 100), (1, 60), (3, 0))),
}


@dataclass(frozen=True)
class SignalSpec:
    """One signal of the model: its measures, weight, weight while onboarding, and what it
    tells an account manager."""

    key: str
    label: str
    measures: tuple[str, ...]
    weight: int
    onboarding_weight: int
    explanation: str


SIGNALS = (
    SignalSpec("responsiveness", "Agency responsiveness",
               ("median_reply_hours", "oldest_unanswered_hours"), 25, 25,
               "How fast the team answers the client, in business hours, and what still waits."),
    SignalSpec("directness", "Directness", ("direct_share",), 10, 10,
               "Answers from the maker or the person asked, rather than relayed."),
    SignalSpec("engagement", "Client engagement",
               ("active_share", "days_since_client_action"), 15, 30,
               "How many of the client's people take part, and how recently."),
    SignalSpec("decisions", "Decision turnaround",
               ("median_decision_hours", "overdue_decisions"), 10, 15,
               "How long versions wait for the client's decision, and decisions past due."),
    SignalSpec("friction", "Revision friction",
               ("versions_vs_baseline", "changes_vs_baseline"), 10, 0,
               "Rounds of revision, against the agency's own average."),
    SignalSpec("sentiment", "Sentiment", ("pulse", "comment_tone"), 15, 10,
               "The account manager's pulse and the tone of the client's comments."),
    SignalSpec("delivery", "Delivery", ("on_time_share", "overdue_reviews"), 5, 0,
               "Drafts approved by their due date, and reviews past due."),
    SignalSpec("deadlines", "Review deadlines", ("overdue_review_requests",), 10, 10,
               "Reviews past the decision date staff set, with reviewers yet to decide."),
)  # fmt: skip
SIGNALS_BY_KEY = {spec.key: spec for spec in SIGNALS}

# A client younger than this is scored on the onboarding weights: engagement counts double,
# and friction and delivery (which need a history) not at all.
ONBOARDING_DAYS = 30

BANDS = ((70, Band.HEALTHY), (40, Band.WATCH), (0, Band.AT_RISK))


@dataclass(frozen=True)
class TriggerSpec:
    """A hard trigger: when it fires the band is at most ``cap``, whatever the score."""

    key: str
    cap: Band
    text: str


TRIGGERS = (
    TriggerSpec("unanswered_3_days", Band.WATCH,
                "A client comment has waited over 3 business days for an answer"),
    TriggerSpec("pulse_poor", Band.AT_RISK, "The account manager's pulse is Poor"),
    TriggerSpec("silent_with_open_reviews", Band.AT_RISK,
                "No client activity for 21 days while reviews wait"),
)  # fmt: skip
TRIGGERS_BY_KEY = {spec.key: spec for spec in TRIGGERS}
UNANSWERED_TRIGGER_DAYS = 3
SILENT_TRIGGER_DAYS = 21

# Alerts: a fall of this many points within this many days tells the account manager.
ALERT_FALL_POINTS = 15
ALERT_FALL_DAYS = 14


def band_for(score: float | None, caps: list[Band] = ()) -> Band | None:
    """The band of ``score`` (None without data), lowered to the worst cap among ``caps``."""
    if score is None:
        return None
    band = next(band for floor, band in BANDS if score >= floor)
    return min([band, *caps], key=lambda b: b.rank)


def weights(overrides: dict | None = None, *, onboarding: bool = False) -> dict[str, int]:
    """Each signal's weight: the table's, or the agency's overrides (onboarding keeps its own)."""
    if onboarding:
        return {spec.key: spec.onboarding_weight for spec in SIGNALS}
    overrides = overrides or {}
    return {spec.key: int(overrides.get(spec.key, spec.weight)) for spec in SIGNALS}


def weighted_score(scores: dict[str, float | None], weights_by_key: dict[str, int]) -> float | None:
    """The weighted mean of the signals with a score; None if no weighted signal has data."""
    present = {k: s for k, s in scores.items() if s is not None and weights_by_key.get(k, 0) > 0}
    total = sum(weights_by_key[k] for k in present)
    if not total:
        return None
    return sum(score * weights_by_key[k] for k, score in present.items()) / total
