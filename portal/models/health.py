"""Relationship health: the agency's settings for it, daily snapshots, pulses and alerts."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class Band(StrEnum):
    HEALTHY = "healthy"
    WATCH = "watch"
    AT_RISK = "at_risk"

    @property
    def label(self) -> str:
        return {"healthy": "Healthy", "watch": "Watch", "at_risk": "At risk"}[self.value]

    @property
    def rank(self) -> int:
        """Worse bands rank lower: at risk 0, watch 1, healthy 2."""
        return {"at_risk": 0, "watch": 1, "healthy": 2}[self.value]


class PulseRating(StrEnum):
    HEALTHY = "healthy"
    CONCERNING = "concerning"
    POOR = "poor"

    @property
    def label(self) -> str:
        return {"healthy": "Healthy", "concerning": "Concerning", "poor": "Poor"}[self.value]


class AgencySettings(db.Model):
    """The agency's one row of settings: its business hours and the health weights.

    Business time (for reply times) counts only working hours on working days in the
    agency's zone, skipping the public holidays of its country.
    """

    __tablename__ = "agency_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    # Working weekdays, 0 = Monday, comma-separated.
    work_days: Mapped[str] = mapped_column(String(16), default="0,1,2,3,4")
    day_start_hour: Mapped[int] = mapped_column(default=9)
    day_end_hour: Mapped[int] = mapped_column(default=17)
    holiday_country: Mapped[str | None] = mapped_column(String(8), default="GB")
    holiday_subdivision: Mapped[str | None] = mapped_column(String(8), default="ENG")
    # Signal key -> weight, overriding the defaults of the scoring table.
    health_weights: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HealthSnapshot(db.Model):
    """A client's health on one day: score, band, every signal and the drivers behind it.

    One row per (client, day); computing the day again updates the row in place.
    """

    __tablename__ = "health_snapshots"
    __table_args__ = (UniqueConstraint("client_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    day: Mapped[date]
    score: Mapped[int | None]
    band: Mapped[str | None] = mapped_column(String(16))
    profile: Mapped[str] = mapped_column(String(16), default="standard")
    # [{"key", "label", "display", "score", "weight", "explanation"}, ...]
    signals: Mapped[list] = mapped_column(JSON, default=list)
    # [{"key", "text", "action", "endpoint", "values"}, ...], most pressing first
    drivers: Mapped[list] = mapped_column(JSON, default=list)
    # The hard triggers that fired: [{"key", "text", "cap"}]
    triggers: Mapped[list] = mapped_column(JSON, default=list)
    # What the client may see of how the agency is doing for them.
    outside_in: Mapped[dict] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def band_label(self) -> str:
        return Band(self.band).label if self.band else "Not enough data"


class Pulse(db.Model):
    """An account manager's own reading of a relationship, with the reason, kept as history."""

    __tablename__ = "pulses"
    __table_args__ = (Index("ix_pulses_client_created", "client_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rating: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User", lazy="raise")

    @property
    def rating_label(self) -> str:
        return PulseRating(self.rating).label


class HealthAlert(db.Model):
    """A change in a client's health worth telling its account manager about, once.

    The unique (client, cause key) pair is the claim: a recomputed day finds the alert
    already raised and sends nothing again.
    """

    __tablename__ = "health_alerts"
    __table_args__ = (UniqueConstraint("client_id", "cause_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    day: Mapped[date]
    # "band_drop" | "fall" | "trigger"
    cause: Mapped[str] = mapped_column(String(16))
    cause_key: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    band_from: Mapped[str | None] = mapped_column(String(16))
    band_to: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
