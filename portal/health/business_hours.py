"""Working time between two instants, on an agency's calendar.

A :class:`BusinessCalendar` knows the agency's time zone, its work days, the hours of its
working day and (optionally) whose public holidays it keeps. It answers two questions:
how much working time lies between two instants (``business_seconds``), and when a given
amount of working time will have passed (``add_business_hours``), which is how "older than
3 business days" thresholds are found.

Invariants:

- Each day's window is built from local wall-clock times in the calendar's zone and compared
  as UTC instants, so a day that gains or loses an hour to DST is measured as it was lived.
- Both calculations span at most :data:`MAX_SPAN_DAYS` days, so dates from hostile or
  corrupt data cost bounded time. Working time between two instants is read from a table of
  each year's working time before each day (built once per calendar and year); finding when
  some working time will have passed walks the days, one step per day.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

MAX_SPAN_DAYS = 400
MAX_SPAN = timedelta(days=MAX_SPAN_DAYS)


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """The public holidays of ``country`` (and ``subdivision``) in ``year``.

    Raises ``NotImplementedError`` (from ``holidays``) for an unknown country or subdivision.
    """
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")


@dataclass(frozen=True)
class BusinessCalendar:
    """An agency's working week: zone, work days (0 = Monday), day hours and public holidays."""

    zone: ZoneInfo
    work_days: frozenset[int]
    day_start: time
    day_end: time
    holiday_country: str | None = None
    holiday_subdivision: str | None = None

    def __post_init__(self) -> None:
        if not self.work_days:
            raise ValueError("work_days must name at least one day (0 = Monday … 6 = Sunday)")
        if not self.work_days <= set(range(7)):
            raise ValueError(
                f"work_days must be within 0-6 (0 = Monday), got {set(self.work_days)}"
            )
        if self.day_start >= self.day_end:
            raise ValueError(
                f"day_start ({self.day_start}) must be earlier than day_end ({self.day_end})"
            )
        if self.holiday_subdivision and not self.holiday_country:
            raise ValueError("holiday_subdivision needs a holiday_country")

    @classmethod
    def from_settings(
        cls,
        timezone: str,
        work_days: str,
        day_start_hour: int,
        day_end_hour: int,
        holiday_country: str | None = None,
        holiday_subdivision: str | None = None,
    ) -> "BusinessCalendar":
        """Build a calendar from configuration values, checking each one.

        ``work_days`` is a comma-separated list of weekday numbers ("0,1,2,3,4" is Monday to
        Friday). Hours are whole hours, 0-23, with the start before the end. A blank country or
        subdivision means none. Raises ``ValueError`` naming the bad value for an unknown time
        zone, malformed work days, out-of-range hours, or a country or subdivision the
        ``holidays`` library does not know.
        """
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {timezone!r}") from error

        try:
            parsed_work_days = frozenset(int(part) for part in work_days.split(",") if part.strip())
        except ValueError as error:
            raise ValueError(
                f"work_days must be comma-separated weekday numbers, got {work_days!r}"
            ) from error

        for name, hour in (("day_start_hour", day_start_hour), ("day_end_hour", day_end_hour)):
            if not 0 <= hour <= 23:
                raise ValueError(f"{name} must be between 0 and 23, got {hour}")

        country = (holiday_country or "").strip().upper() or None
        subdivision = (holiday_subdivision or "").strip() or None
        if country is not None:
            try:
                holidays.country_holidays(country, subdiv=subdivision)
            except NotImplementedError as error:
                raise ValueError(
                    f"unknown holiday country/subdivision {country!r}/{subdivision!r}: {error}"
                ) from error

        return cls(
            zone=zone,
            work_days=parsed_work_days,
            day_start=time(day_start_hour),
            day_end=time(day_end_hour),
            holiday_country=country,
            holiday_subdivision=subdivision,
        )

    @property
    def business_day_hours(self) -> float:
        """The length of a working day in hours, by the clock (DST days are not adjusted)."""
        start = datetime.combine(date.min, self.day_start)
        end = datetime.combine(date.min, self.day_end)
        return (end - start).total_seconds() / 3600

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a work day that is not a public holiday of the calendar's country."""
        if day.weekday() not in self.work_days:
            return False
        if self.holiday_country is None:
            return True
        return day not in _public_holidays(self.holiday_country, self.holiday_subdivision, day.year)

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """The working time, in seconds, from ``start`` to ``end``.

        Only the hours between ``day_start`` and ``day_end`` on working days, in the calendar's
        zone, count. Returns 0 when ``end`` is not after ``start``. A span longer than
        :data:`MAX_SPAN_DAYS` days is clamped to that many days after ``start``, so the answer
        is then a lower bound. Raises ``ValueError`` if either instant is naive.
        """
        _require_aware(start, "start")
        _require_aware(end, "end")
        start_utc = start.astimezone(UTC)
        end_utc = min(end.astimezone(UTC), start_utc + MAX_SPAN)
        if end_utc <= start_utc:
            return 0.0

        first_year, worked_before_start = self._worked_in_year_by(start_utc)
        last_year, worked_before_end = self._worked_in_year_by(end_utc)
        whole_years = sum(self._year_of_work(year)[1][-1] for year in range(first_year, last_year))
        return (whole_years + worked_before_end - worked_before_start) / 1_000_000

    def _worked_in_year_by(self, moment_utc: datetime) -> tuple[int, int]:
        """The local year of ``moment_utc`` and the working microseconds in it before then."""
        day = moment_utc.astimezone(self.zone).date()
        first_ordinal, before = self._year_of_work(day.year)
        worked = before[day.toordinal() - first_ordinal]
        window = self._working_window(day)
        if window is not None and moment_utc > window[0]:
            worked += _microseconds(min(moment_utc, window[1]) - window[0])
        return day.year, worked

    # A health run asks about the same few weeks of days a million times: each day's window
    # and each year's table are worked out once per calendar, kept on the (frozen) instance.
    @cached_property
    def _years(self) -> dict[int, tuple[int, tuple[int, ...]]]:
        return {}

    @cached_property
    def _days(self) -> dict[date, tuple[datetime, datetime] | None]:
        return {}

    def _year_of_work(self, year: int) -> tuple[int, tuple[int, ...]]:
        """1 January's ordinal, and the working microseconds of ``year`` before each of its
        days (index 0: 1 January) then the whole year's: so the working time between two
        instants is two lookups."""
        if year not in self._years:
            before, day = [0], date(year, 1, 1)
            while day.year == year:
                window = self._working_window(day)
                before.append(before[-1] + (_microseconds(window[1] - window[0]) if window else 0))
                day += timedelta(days=1)
            self._years[year] = (date(year, 1, 1).toordinal(), tuple(before))
        return self._years[year]

    def _working_window(self, day: date) -> tuple[datetime, datetime] | None:
        """``day``'s working hours as UTC instants, or None on a day off."""
        if day not in self._days:
            self._days[day] = (
                (
                    datetime.combine(day, self.day_start, tzinfo=self.zone).astimezone(UTC),
                    datetime.combine(day, self.day_end, tzinfo=self.zone).astimezone(UTC),
                )
                if self.is_working_day(day)
                else None
            )
        return self._days[day]

    def business_hours(self, start: datetime, end: datetime) -> float:
        """The working time, in hours, from ``start`` to ``end``; see :meth:`business_seconds`."""
        return self.business_seconds(start, end) / 3600

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """The instant at which ``hours`` of working time have passed since ``start``.

        One business day is :attr:`business_day_hours` hours. The result is in ``start``'s
        time zone; when the time runs out exactly at the end of a working day, that end is
        returned rather than the next day's start. If the hours do not fit within
        :data:`MAX_SPAN_DAYS` days, the instant that many days after ``start`` is returned.
        Raises ``ValueError`` if ``start`` is naive or ``hours`` is negative.
        """
        _require_aware(start, "start")
        if hours < 0:
            raise ValueError(f"hours must not be negative, got {hours}")
        start_utc = start.astimezone(UTC)
        limit_utc = start_utc + MAX_SPAN
        remaining = timedelta(hours=hours)
        if remaining == timedelta():
            return start

        for window_start, window_end in self._windows(start_utc, limit_utc.astimezone(self.zone)):
            available_from = max(window_start, start_utc)
            available = window_end - available_from
            if available <= timedelta():
                continue
            if remaining <= available:
                return min(available_from + remaining, limit_utc).astimezone(start.tzinfo)
            remaining -= available
        return limit_utc.astimezone(start.tzinfo)

    def _windows(
        self, start_utc: datetime, last_local: datetime
    ) -> Iterator[tuple[datetime, datetime]]:
        """Yield each working day's (start, end) as UTC instants, from ``start_utc``'s local day
        through ``last_local``'s day."""
        day = start_utc.astimezone(self.zone).date()
        last_day = last_local.date()
        while day <= last_day:
            window = self._working_window(day)
            if window is not None:
                yield window
            day += timedelta(days=1)


def _microseconds(span: timedelta) -> int:
    return span // timedelta(microseconds=1)
