"""Business hours: working time between instants, on a calendar with zones, DST and holidays."""

import time as wall_clock
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.health.business_hours import MAX_SPAN_DAYS, BusinessCalendar

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def make_calendar(**overrides) -> BusinessCalendar:
    """A calendar from settings: London, Monday to Friday, 9-17, England's bank holidays."""
    settings = {
        "timezone": "Europe/London",
        "work_days": "0,1,2,3,4",
        "day_start_hour": 9,
        "day_end_hour": 17,
        "holiday_country": "GB",
        "holiday_subdivision": "ENG",
    } | overrides
    return BusinessCalendar.from_settings(**settings)


def london(*parts) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


def new_york(*parts) -> datetime:
    return datetime(*parts, tzinfo=NEW_YORK)


@pytest.fixture
def london_calendar() -> BusinessCalendar:
    """The default London 9-17 calendar with England's bank holidays."""
    return make_calendar()


def test_reply_within_the_same_working_day(london_calendar):
    # Wednesday 2026-05-13.
    assert (
        london_calendar.business_hours(london(2026, 5, 13, 10, 15), london(2026, 5, 13, 13, 45))
        == 3.5
    )


def test_friday_afternoon_to_monday_morning_counts_only_working_hours(london_calendar):
    friday_comment = london(2026, 5, 15, 16, 0)
    monday_reply = london(2026, 5, 18, 10, 0)
    assert london_calendar.business_hours(friday_comment, monday_reply) == 2.0


def test_a_public_holiday_does_not_count(london_calendar):
    # Thursday before Easter to the Tuesday after: Good Friday (3 April) and Easter Monday
    # (6 April) are bank holidays in England.
    assert (
        london_calendar.business_hours(london(2026, 4, 2, 16, 0), london(2026, 4, 7, 10, 0)) == 2.0
    )
    assert not london_calendar.is_working_day(datetime(2026, 4, 6).date())
    assert london_calendar.is_working_day(datetime(2026, 4, 7).date())


def test_christmas_and_boxing_day_observed_do_not_count(london_calendar):
    # 25 Dec 2026 is a Friday; Boxing Day falls on Saturday and is observed on Monday 28th.
    assert (
        london_calendar.business_hours(london(2026, 12, 24, 16, 0), london(2026, 12, 29, 10, 0))
        == 2.0
    )


def test_without_a_holiday_country_holidays_are_working_days():
    calendar = make_calendar(holiday_country=None, holiday_subdivision=None)
    assert calendar.business_hours(london(2026, 4, 3, 9, 0), london(2026, 4, 3, 17, 0)) == 8.0


def test_time_outside_working_hours_does_not_count(london_calendar):
    late_comment = london(2026, 5, 12, 22, 0)
    next_morning_reply = london(2026, 5, 13, 9, 30)
    assert london_calendar.business_hours(late_comment, next_morning_reply) == 0.5


def test_a_span_entirely_outside_working_hours_is_zero(london_calendar):
    saturday, sunday = london(2026, 5, 16, 10, 0), london(2026, 5, 17, 15, 0)
    assert london_calendar.business_seconds(saturday, sunday) == 0.0


def test_end_not_after_start_is_zero(london_calendar):
    moment = london(2026, 5, 13, 11, 0)
    assert london_calendar.business_seconds(moment, moment) == 0.0
    assert london_calendar.business_seconds(moment, moment - timedelta(hours=1)) == 0.0


def test_instants_in_other_zones_are_measured_in_the_calendars_zone(london_calendar):
    # The clocks go forward on Sunday 29 March 2026: 16:00 UTC on Friday is 16:00 in London,
    # 09:00 UTC on Monday is 10:00 in London.
    friday_comment = datetime(2026, 3, 27, 16, 0, tzinfo=UTC)
    monday_reply = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    assert london_calendar.business_hours(friday_comment, monday_reply) == 2.0


def test_a_working_day_shortened_by_dst_is_measured_as_lived():
    # A night shift 00:00-04:00 every day: the spring-forward Sunday has only 3 real hours in
    # its window, the autumn Sunday 5.
    night_shift = make_calendar(
        work_days="0,1,2,3,4,5,6",
        day_start_hour=0,
        day_end_hour=4,
        holiday_country=None,
        holiday_subdivision=None,
    )
    assert night_shift.business_hours(london(2026, 3, 29, 0, 0), london(2026, 3, 29, 12, 0)) == 3.0
    assert (
        night_shift.business_hours(london(2026, 10, 25, 0, 0), london(2026, 10, 25, 12, 0)) == 5.0
    )


def test_week_across_the_dst_change_is_five_full_days(london_calendar):
    assert (
        london_calendar.business_hours(london(2026, 3, 23, 9, 0), london(2026, 3, 30, 9, 0)) == 40.0
    )


def test_new_york_calendar_skips_thanksgiving():
    calendar = make_calendar(
        timezone="America/New_York", holiday_country="US", holiday_subdivision=None
    )
    wednesday_comment = new_york(2026, 11, 25, 16, 0)
    friday_reply = new_york(2026, 11, 27, 10, 0)
    assert calendar.business_hours(wednesday_comment, friday_reply) == 2.0
    assert not calendar.is_working_day(datetime(2026, 11, 26).date())


def test_business_day_hours_is_the_length_of_the_working_day(london_calendar):
    assert london_calendar.business_day_hours == 8.0


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (london(2026, 5, 13, 10, 0), 2.5, london(2026, 5, 13, 12, 30)),
        (london(2026, 5, 15, 16, 0), 2.0, london(2026, 5, 18, 10, 0)),
        (london(2026, 5, 12, 22, 0), 0.5, london(2026, 5, 13, 9, 30)),
        (london(2026, 4, 2, 16, 0), 2.0, london(2026, 4, 7, 10, 0)),
        (london(2026, 5, 18, 9, 0), 8.0, london(2026, 5, 18, 17, 0)),
        (london(2026, 3, 27, 16, 0), 3 * 8.0, london(2026, 4, 1, 16, 0)),
    ],
)
def test_add_business_hours_finds_the_instant(london_calendar, start, hours, expected):
    reached = london_calendar.add_business_hours(start, hours)
    assert reached == expected
    assert london_calendar.business_hours(start, reached) == hours


@pytest.mark.parametrize("hours", [0.25, 1.0, 7.75, 8.0, 24.0, 100.0, 1000.0])
@pytest.mark.parametrize(
    "start",
    [
        london(2026, 3, 26, 11, 20),
        london(2026, 10, 23, 8, 0),
        london(2026, 12, 24, 16, 45),
        datetime(2026, 4, 2, 20, 0, tzinfo=UTC),
    ],
)
def test_add_business_hours_is_the_inverse_of_business_hours(london_calendar, start, hours):
    reached = london_calendar.add_business_hours(start, hours)
    assert london_calendar.business_hours(start, reached) == pytest.approx(hours)
    assert reached.tzinfo is start.tzinfo


def test_adding_zero_hours_returns_the_start(london_calendar):
    saturday = london(2026, 5, 16, 10, 0)
    assert london_calendar.add_business_hours(saturday, 0) == saturday


def test_add_business_hours_rejects_negative_hours(london_calendar):
    with pytest.raises(ValueError, match="negative"):
        london_calendar.add_business_hours(london(2026, 5, 13, 10, 0), -1)


def test_a_ten_year_span_is_clamped_and_quick(london_calendar):
    start = london(2020, 1, 1, 0, 0)
    began = wall_clock.perf_counter()
    clamped = london_calendar.business_seconds(start, start + timedelta(days=3653))
    elapsed = wall_clock.perf_counter() - began
    assert clamped == london_calendar.business_seconds(start, start + timedelta(days=MAX_SPAN_DAYS))
    assert clamped < 300 * 8 * 3600
    assert elapsed < 1.0


def test_add_business_hours_beyond_the_span_is_clamped(london_calendar):
    start = london(2026, 1, 5, 9, 0)
    assert london_calendar.add_business_hours(start, 10 * 365 * 24) == start + timedelta(
        days=MAX_SPAN_DAYS
    )


def test_naive_instants_are_rejected(london_calendar):
    with pytest.raises(ValueError, match="timezone-aware"):
        london_calendar.business_seconds(datetime(2026, 5, 13, 9), london(2026, 5, 13, 10))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "unknown time zone"),
        ({"timezone": ""}, "unknown time zone"),
        ({"holiday_country": "XX"}, "unknown holiday country"),
        ({"holiday_subdivision": "Atlantis"}, "unknown holiday country"),
        ({"work_days": "mon,tue"}, "work_days"),
        ({"work_days": "0,7"}, "work_days"),
        ({"work_days": ""}, "work_days"),
        ({"day_start_hour": 17, "day_end_hour": 9}, "earlier"),
        ({"day_end_hour": 24}, "between 0 and 23"),
    ],
)
def test_bad_settings_raise_value_error(overrides, message):
    with pytest.raises(ValueError, match=message):
        make_calendar(**overrides)


def test_settings_are_normalised():
    calendar = make_calendar(work_days=" 0, 2 ,4 ", holiday_country=" gb ", holiday_subdivision="")
    assert calendar.work_days == frozenset({0, 2, 4})
    assert calendar.holiday_country == "GB"
    assert calendar.holiday_subdivision is None
    assert calendar.day_start == time(9)


def walked_seconds(calendar: BusinessCalendar, start: datetime, end: datetime) -> float:
    """The working time from ``start`` to ``end`` found by walking the days one by one."""
    worked, day = timedelta(), start.astimezone(calendar.zone).date()
    while day <= end.astimezone(calendar.zone).date():
        if calendar.is_working_day(day):
            opens = datetime.combine(day, calendar.day_start, tzinfo=calendar.zone)
            closes = datetime.combine(day, calendar.day_end, tzinfo=calendar.zone)
            worked += max(timedelta(), min(closes, end) - max(opens, start))
        day += timedelta(days=1)
    return worked.total_seconds()


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Asia/Kolkata"])
def test_the_yearly_tables_agree_with_walking_the_days(zone):
    """Across New Year, DST changes, bank holidays and odd minutes, to the microsecond."""
    calendar = make_calendar(timezone=zone)
    local = ZoneInfo(zone)
    starts = [
        datetime(2025, 12, 24, 16, 59, 59, 1, tzinfo=local),
        datetime(2026, 3, 27, 11, 7, tzinfo=local),
        datetime(2026, 10, 23, 8, 0, tzinfo=local),
        datetime(2026, 12, 31, 23, 30, tzinfo=local),
    ]
    for start in starts:
        for hours in (0.25, 7, 30, 24 * 9 + 0.5, 24 * 45, 24 * 370):
            end = start + timedelta(hours=hours)
            assert calendar.business_seconds(start, end) == walked_seconds(calendar, start, end)
