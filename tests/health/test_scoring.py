"""The health model's table: curves, weights, the weighted score and the bands."""

import pytest

from portal.health import scoring
from portal.health.scoring import (
    CURVES,
    SIGNALS,
    TRIGGERS,
    Curve,
    band_for,
    weighted_score,
    weights,
)
from portal.models import Band

# --- curves --------------------------------------------------------------------------------


def test_a_curve_interpolates_between_its_points():
    curve = Curve(((0, 0), (10, 100), (20, 40)))
    assert curve.score(2.5) == 25
    assert curve.score(10) == 100
    assert curve.score(15) == 70


def test_a_curve_is_flat_beyond_both_ends():
    reply_hours = CURVES["median_reply_hours"]  # (2, 100) ... (40, 0)
    assert reply_hours.score(0) == 100
    assert reply_hours.score(-3) == 100
    assert reply_hours.score(40) == 0
    assert reply_hours.score(400) == 0


def test_the_reply_curve_between_stated_points():
    # (4, 90) to (8, 70): six business hours lie half way.
    assert CURVES["median_reply_hours"].score(6) == 80


def test_every_measure_of_every_signal_has_a_curve():
    measures = [measure for spec in SIGNALS for measure in spec.measures]
    assert sorted(measures) == sorted(CURVES)
    for curve in CURVES.values():
        raws = [raw for raw, _score in curve.points]
        assert raws == sorted(raws)
        assert all(0 <= score <= 100 for _raw, score in curve.points)


# --- the weighted score --------------------------------------------------------------------


def test_a_signal_without_data_is_left_out_not_scored_as_zero():
    assert weighted_score(
        {"responsiveness": 100, "directness": None}, {"responsiveness": 25, "directness": 10}
    ) == pytest.approx(100)


def test_the_weights_of_the_signals_with_data_are_renormalised():
    score = weighted_score(
        {"responsiveness": 100, "directness": 40, "engagement": None},
        {"responsiveness": 25, "directness": 10, "engagement": 15},
    )
    assert score == pytest.approx((100 * 25 + 40 * 10) / 35)


def test_a_signal_weighted_zero_does_not_count_even_with_a_score():
    assert weighted_score(
        {"responsiveness": 80, "friction": 0}, {"responsiveness": 25, "friction": 0}
    ) == pytest.approx(80)


def test_no_signal_with_data_gives_no_score():
    assert weighted_score({"responsiveness": None}, {"responsiveness": 25}) is None
    assert weighted_score({"friction": 90}, {"friction": 0}) is None


# --- bands and caps ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (100, Band.HEALTHY),
        (70, Band.HEALTHY),
        (69.9, Band.WATCH),
        (40, Band.WATCH),
        (39.9, Band.AT_RISK),
        (0, Band.AT_RISK),
    ],
)
def test_bands_start_at_70_and_40(score, band):
    assert band_for(score) is band


def test_no_score_has_no_band():
    assert band_for(None) is None
    assert band_for(None, [Band.AT_RISK]) is None


def test_a_cap_lowers_the_band_to_the_worst_cap():
    assert band_for(95, [Band.WATCH]) is Band.WATCH
    assert band_for(95, [Band.WATCH, Band.AT_RISK]) is Band.AT_RISK
    assert band_for(55, [Band.AT_RISK]) is Band.AT_RISK


def test_a_cap_never_raises_the_band():
    assert band_for(20, [Band.WATCH]) is Band.AT_RISK
    assert band_for(55, [Band.HEALTHY]) is Band.WATCH


def test_each_trigger_caps_below_healthy():
    assert {t.key: t.cap for t in TRIGGERS} == {
        "unanswered_3_days": Band.WATCH,
        "pulse_poor": Band.AT_RISK,
        "silent_with_open_reviews": Band.AT_RISK,
    }


# --- weights and profiles ------------------------------------------------------------------


def test_the_standard_weights_come_from_the_table_and_add_up_to_100():
    assert weights() == {
        "responsiveness": 25,
        "directness": 10,
        "engagement": 15,
        "decisions": 10,
        "friction": 10,
        "sentiment": 15,
        "delivery": 5,
        "deadlines": 10,
    }
    assert sum(weights().values()) == 100


def test_the_agencys_overrides_replace_only_the_weights_they_name():
    chosen = weights({"directness": 30, "sentiment": "5"})
    assert chosen["directness"] == 30
    assert chosen["sentiment"] == 5
    assert chosen["responsiveness"] == 25
    assert weights({}) == weights(None) == weights()


def test_the_onboarding_profile_leaves_out_friction_and_delivery_and_doubles_engagement():
    onboarding = weights(onboarding=True)
    assert onboarding["friction"] == 0
    assert onboarding["delivery"] == 0
    assert onboarding["engagement"] == 2 * weights()["engagement"]


def test_the_onboarding_profile_keeps_its_own_weights_whatever_the_overrides():
    assert weights({"friction": 50, "delivery": 50}, onboarding=True) == weights(onboarding=True)


def test_onboarding_lasts_thirty_days():
    assert scoring.ONBOARDING_DAYS == 30
