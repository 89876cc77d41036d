"""The agency's health settings: its business calendar and its weights."""

from sqlalchemy import select

from portal.extensions import db
from portal.health.business_hours import BusinessCalendar
from portal.models import AgencySettings


def agency_settings() -> AgencySettings:
    """The agency's settings row, or the defaults (not saved) before anyone has changed them."""
    row = db.session.scalar(select(AgencySettings).order_by(AgencySettings.id).limit(1))
    if row is not None:
        return row
    defaults = {column.key: column.default.arg for column in AgencySettings.__table__.columns
                if column.default is not None and not callable(column.default.arg)}  # fmt: skip
    return AgencySettings(**defaults, health_weights={})


def business_calendar(settings: AgencySettings) -> BusinessCalendar:
    """The working week ``settings`` describe."""
    return BusinessCalendar.from_settings(
        settings.timezone,
        settings.work_days,
        settings.day_start_hour,
        settings.day_end_hour,
        settings.holiday_country,
        settings.holiday_subdivision,
    )
