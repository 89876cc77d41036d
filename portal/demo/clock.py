"""The demo's clock: when each seeded step happened, and a way to play it at that moment.

Demo moments are written as working days before today and a time of day on the agency's
calendar: ``"12d 10:30"`` is twelve working days ago at 10:30 in the agency's zone. The
stories then read the same whatever day, weekday or hour the demo is loaded on.

The services stamp what they write with the real time. Inside :meth:`DemoClock.played_at`
every timestamp a flush writes (a default ``created_at``, a comment's ``resolved_at``, a
thread's ``last_comment_at``) is moved back by the distance from the real time to the
demo moment, so a row keeps its own offsets (an expiry a week after its creation stays a
week after it). Timestamps that are already in the past are left as they are.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from sqlalchemy import event, inspect

from portal.extensions import db
from portal.health.settings import agency_settings, business_calendar
from portal.models import utcnow
from portal.models.types import UTCDateTime


class DemoClock:
    """The agency's calendar, today, and the demo moments on it."""

    def __init__(self, now: datetime | None = None):
        self.now = now or utcnow()
        self.calendar = business_calendar(agency_settings())
        self.today = self.now.astimezone(self.calendar.zone).date()
        self._working_days = [self.today]

    def working_day(self, days_ago: int) -> date:
        """The working day ``days_ago`` working days before today (0 is today itself)."""
        while len(self._working_days) <= days_ago:
            day = self._working_days[-1] - timedelta(days=1)
            while not self.calendar.is_working_day(day):
                day -= timedelta(days=1)
            self._working_days.append(day)
        return self._working_days[days_ago]

    def at(self, when: "str | datetime") -> datetime:
        """The moment ``when`` names (``"12d 10:30"``), in UTC; a datetime is returned as is."""
        if isinstance(when, datetime):
            return when
        days, clock_time = when.split()
        local = datetime.combine(
            self.working_day(int(days.removesuffix("d"))),
            time.fromisoformat(clock_time),
            tzinfo=self.calendar.zone,
        )
        return local.astimezone(self.now.tzinfo)

    def after(self, moment: datetime, business_hours: float) -> datetime:
        """The moment ``business_hours`` of working time after ``moment``."""
        return self.calendar.add_business_hours(moment, business_hours)

    def working_days_ago(self, moment: datetime) -> int:
        """How many working days before today ``moment`` falls (0 for today or later)."""
        day = moment.astimezone(self.calendar.zone).date()
        days = 0
        while self.working_day(days) > day:
            days += 1
        return days

    @contextmanager
    def played_at(self, when: "str | datetime") -> Iterator[datetime]:
        """Write what the block does as if it happened at ``when``; yields that moment.

        Flushes at the end, so nothing the block added escapes the clock.
        """
        moment = self.at(when)
        started = utcnow()
        shift = moment - started
        session = db.session()

        def backdate(session, _flush_context, _instances) -> None:
            for row in session.new:
                for key, column in _timestamp_columns(row):
                    value = getattr(row, key)
                    if value is None and column.default is not None:
                        setattr(row, key, moment)
                    elif value is not None and value >= started:
                        setattr(row, key, value + shift)
            for row in session.dirty:
                state = inspect(row)
                for key, _column in _timestamp_columns(row):
                    value = getattr(row, key)
                    if state.attrs[key].history.added and value is not None and value >= started:
                        setattr(row, key, value + shift)

        event.listen(session, "before_flush", backdate)
        try:
            yield moment
            session.flush()
        finally:
            event.remove(session, "before_flush", backdate)


def _timestamp_columns(row) -> list:
    """(attribute, column) of each UTC timestamp column of ``row``'s table."""
    return [
        (attr.key, attr.columns[0])
        for attr in inspect(type(row)).column_attrs
        if isinstance(attr.columns[0].type, UTCDateTime)
    ]
