"""The demo tells a health story: 90 days of history, one client healthy, one slipping, one
at risk, each for reasons an account manager can act on."""

import re

import pytest
from sqlalchemy import func, select

from portal.demo import DEMO_PASSWORD
from portal.demo.health import HISTORY_DAYS
from portal.extensions import db
from portal.health.snapshots import snapshot_day
from portal.models import Band, Client, HealthSnapshot, Pulse, PulseRating, User, utcnow

STORIES = {
    "Northwind Coffee Roasters": Band.HEALTHY,
    "Helios Renewable Energy": Band.WATCH,
    "Bramble & Oak Furniture": Band.AT_RISK,
}


@pytest.fixture
def demo(app):
    """The demo loaded by ``flask portal load-demo``: {client name: client}."""
    result = app.test_cli_runner().invoke(args=["portal", "load-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        clients = db.session.scalars(select(Client).where(Client.name.in_(STORIES))).all()
        db.session.expunge_all()
    return {client.name: client for client in clients}


def _latest(client_id: int) -> HealthSnapshot:
    return db.session.scalar(
        select(HealthSnapshot)
        .where(HealthSnapshot.client_id == client_id)
        .order_by(HealthSnapshot.day.desc())
        .limit(1)
    )


def test_the_demo_leaves_90_days_of_history_ending_today(app, demo):
    with app.app_context():
        today = snapshot_day(utcnow())
        for client in demo.values():
            days = db.session.scalar(
                select(func.count()).where(HealthSnapshot.client_id == client.id)
            )
            assert days == HISTORY_DAYS, client.name
            assert _latest(client.id).day == today, client.name


def test_today_one_client_is_healthy_one_slipping_and_one_at_risk(app, demo):
    with app.app_context():
        bands = {name: _latest(client.id).band for name, client in demo.items()}
        assert bands == STORIES

        at_risk = _latest(demo["Bramble & Oak Furniture"].id)
        drivers = {driver["key"] for driver in at_risk.drivers}
        assert {"unanswered", "waiting"} <= drivers, at_risk.drivers

        slipping = demo["Helios Renewable Energy"]
        pulse = db.session.scalar(
            select(Pulse).where(Pulse.client_id == slipping.id).order_by(Pulse.id.desc()).limit(1)
        )
        author = db.session.get(User, pulse.author_id)
        assert pulse.rating == PulseRating.CONCERNING
        assert author.email == "tom@agency.example"  # Helios's account manager
        assert len(pulse.comment) > 80


def test_the_dashboard_shows_the_stories_with_their_trends(app, demo):
    browser = app.test_client()
    signed_in = browser.post(
        "/login", data={"email": "ada@agency.example", "password": DEMO_PASSWORD}
    )
    assert signed_in.status_code == 302
    page = browser.get("/health").get_data(as_text=True)

    def row(client):
        match = re.search(rf'id="health-{re.escape(client.slug)}".*?</li>', page, re.S)
        assert match, client.name
        return match.group(0)

    helios = row(demo["Helios Renewable Energy"])
    assert "Watch" in helios
    assert "Down on a week ago" in helios
    bramble = row(demo["Bramble & Oak Furniture"])
    assert "At risk" in bramble
    assert "unanswered" in bramble
    assert "Healthy" in row(demo["Northwind Coffee Roasters"])
