"""The health pages as the people who run the relationship use them: the dashboard, a
client's health page with its pulse, recomputing, and the admin page for the weights."""

import html
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.health import scoring
from portal.health.dashboard import PER_PAGE
from portal.health.snapshots import snapshot_day, take_snapshots
from portal.models import (
    AgencySettings,
    Assignment,
    Client,
    Comment,
    HealthSnapshot,
    Pulse,
    StaffRole,
    Version,
    utcnow,
)
from tests.factories import assign, make_client, make_staff
from tests.review import browser_for, make_draft_in_review

# --- helpers -------------------------------------------------------------------------------


def snapshot(
    client_id: int, score: int | None, day: date, *, days_ago: int = 0, **fields
) -> HealthSnapshot:
    """An unsaved snapshot of ``client_id`` with ``score`` (and its band), ``days_ago``
    before ``day``."""
    band = scoring.band_for(score)
    return HealthSnapshot(
        client_id=client_id,
        day=day - timedelta(days=days_ago),
        score=score,
        band=band.value if band else None,
        **fields,
    )


def save(app, *rows) -> None:
    """Add ``rows`` in one commit."""
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()


def snapshots_of(app, client_id: int) -> list[HealthSnapshot]:
    """Every snapshot of ``client_id``, oldest day first, readable after the context ends."""
    with app.app_context():
        session = db.session()
        session.expire_on_commit = False
        return session.scalars(
            select(HealthSnapshot)
            .where(HealthSnapshot.client_id == client_id)
            .order_by(HealthSnapshot.day)
        ).all()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def rows_on(page: str) -> dict[str, str]:
    """``{client slug: the HTML of its row}`` on the dashboard, in page order."""
    rows = page.split('<li class="card health-row" id="health-')[1:]
    return {row.split('"', 1)[0]: row.split("</ol>")[0] for row in rows}


def driver_links(page: str) -> list[str]:
    """The links of every driver listed on ``page``."""
    return [
        html.unescape(href)
        for href in re.findall(r'<li class="driver">.*?<a href="([^"]+)">', page, flags=re.S)
    ]


def backdate(app, model, row_id: int, **moments) -> None:
    """Move ``model`` row ``row_id``'s timestamps into the past."""
    with app.app_context():
        db.session.execute(update(model).where(model.id == row_id).values(**moments))
        db.session.commit()


@pytest.fixture
def today(app) -> date:
    """The agency's day now: the day a snapshot taken now is filed under."""
    with app.app_context():
        return snapshot_day(utcnow())


@pytest.fixture
def manager(new_browser, account):
    """A browser signed in as Ada, Northwind's account manager."""
    return browser_for(new_browser, account.manager)


@pytest.fixture
def admin(app, new_browser):
    """A browser signed in as an agency admin."""
    with app.app_context():
        person = make_staff(StaffRole.ADMIN, name="Agency Admin")
    return browser_for(new_browser, person)


# --- the dashboard -------------------------------------------------------------------------


@dataclass
class Board:
    """Northwind (watch, falling), Birch (at risk, rising) and Alder (healthy, steady) in
    Ada's sight; Alder's account manager is Ben. Southwind, at risk, is no one's of Ada's."""

    birch: object
    alder: object
    ben: object


@pytest.fixture
def board(app, account, today) -> Board:
    """Birch, Alder and Ben (see ``Board``), each client with today's and an older score."""
    with app.app_context():
        birch = make_client("Birch", slug="birch")
        alder = make_client("Alder", slug="alder")
        ben = make_staff(StaffRole.ACCOUNT_MANAGER, name="Ben Lead", email="ben@agency.test")
        assign(birch, account.manager, account_manager=True)
        assign(alder, ben, account_manager=True)
        assign(alder, account.manager)
    northwind, southwind = account.client.id, account.other_client.id
    pulse_driver = {"key": "pulse", "text": "Pulse Poor: “SECRET-birch”", "action": "follow up",
                    "endpoint": "health.client", "values": {"slug": "birch"}}  # fmt: skip
    save(
        app,
        snapshot(northwind, 55, today),
        snapshot(northwind, 70, today, days_ago=8),
        snapshot(birch.id, 30, today, drivers=[pulse_driver]),
        snapshot(birch.id, 20, today, days_ago=8),
        snapshot(alder.id, 85, today),
        snapshot(alder.id, 84, today, days_ago=8),
        snapshot(southwind, 10, today),
    )
    return Board(birch=birch, alder=alder, ben=ben)


def test_the_dashboard_lists_ones_clients_worst_first(manager, board):
    page = manager.get("/health").text

    assert list(rows_on(page)) == ["birch", "northwind", "alder"]
    assert "Southwind" not in page


def test_each_row_shows_band_score_trend_and_sparkline(manager, board):
    rows = rows_on(manager.get("/health").text)

    expected = {
        "birch": ("band-at_risk", "At risk", 30, "up"),
        "northwind": ("band-watch", "Watch", 55, "down"),
        "alder": ("band-healthy", "Healthy", 85, "steady"),
    }
    for slug, (badge, label, score, trend) in expected.items():
        row = rows[slug]
        assert f'<span class="badge {badge}">{label}</span>' in row
        assert f'<span class="health-score">{score}<span class="visually-hidden">' in row
        assert f'class="trend trend-{trend}"' in row
        assert '<svg class="sparkline"' in row
        assert 'role="img"' in row
    assert "Pulse Poor: “SECRET-birch”" in rows["birch"]
    assert 'href="/clients/birch/health"' in rows["birch"]


def test_the_dashboard_filters_by_band(manager, board):
    assert list(rows_on(manager.get("/health?band=watch").text)) == ["northwind"]
    assert list(rows_on(manager.get("/health?band=at_risk").text)) == ["birch"]
    # An unknown band filters nothing out.
    assert len(rows_on(manager.get("/health?band=bogus").text)) == 3


def test_the_dashboard_filters_by_account_manager(manager, account, board):
    page = manager.get(f"/health?owner={board.ben.id}").text
    assert list(rows_on(page)) == ["alder"]
    assert "Account manager: Ben Lead" in page

    assert list(rows_on(manager.get(f"/health?owner={account.manager.id}").text)) == [
        "birch",
        "northwind",
    ]
    # Both account managers of Ada's clients are offered, and the chosen one is selected.
    assert f'<option value="{board.ben.id}" selected>Ben Lead</option>' in page
    assert f'<option value="{account.manager.id}">Ada Lead</option>' in page


def test_the_dashboard_paginates(app, manager, account, today):
    extra = PER_PAGE + 5
    with app.app_context():
        clients = [Client(name=f"Client {n:03}", slug=f"client-{n:03}") for n in range(extra)]
        db.session.add_all(clients)
        db.session.flush()
        db.session.add_all(
            Assignment(client_id=c.id, user_id=account.manager.id, is_account_manager=True)
            for c in clients
        )
        db.session.add_all(snapshot(c.id, 50 + n % 40, today) for n, c in enumerate(clients))
        db.session.commit()

    first = manager.get("/health").text
    second = manager.get("/health?page=2").text

    assert len(rows_on(first)) == PER_PAGE
    assert "Page 1 of 2" in first
    assert 'href="/health?page=2" rel="next"' in first
    # Northwind has no snapshot: it comes after every client with a score.
    assert len(rows_on(second)) == extra + 1 - PER_PAGE
    assert list(rows_on(second))[-1] == "northwind"
    assert not set(rows_on(first)) & set(rows_on(second))
    assert 'href="/health?page=1" rel="prev"' in second


def test_the_dashboard_keeps_the_filters_when_paging(app, manager, account, today):
    with app.app_context():
        clients = [
            Client(name=f"Client {n:03}", slug=f"client-{n:03}") for n in range(PER_PAGE + 1)
        ]
        db.session.add_all(clients)
        db.session.flush()
        db.session.add_all(
            Assignment(client_id=c.id, user_id=account.manager.id, is_account_manager=True)
            for c in clients
        )
        db.session.add_all(snapshot(c.id, 50, today) for c in clients)
        db.session.commit()

    page = manager.get("/health?band=watch").text

    assert 'href="/health?band=watch&amp;page=2" rel="next"' in page


# --- a client's health page ----------------------------------------------------------------


@pytest.fixture
def troubled(app, account, thread, today):
    """Northwind, 60 days a client, with its snapshot taken: Hannah's question unanswered for
    ten days, a draft overdue and waiting ten days for a decision, a Concerning pulse."""
    long_ago, ten_days_ago = utcnow() - timedelta(days=60), utcnow() - timedelta(days=10)
    with app.app_context():
        draft = make_draft_in_review(
            account, title="Homepage intro", due_date=today - timedelta(days=5)
        )
        question = db.session.scalar(select(Comment.id).where(Comment.thread_id == thread.id))
        version = db.session.scalar(select(Version.id).where(Version.draft_id == draft.id))
    backdate(app, Client, account.client.id, created_at=long_ago)
    backdate(app, Comment, question, created_at=ten_days_ago)
    backdate(app, Version, version, created_at=ten_days_ago)
    save(
        app,
        Pulse(client_id=account.client.id, author_id=account.manager.id, rating="concerning",
              comment="Hannah seemed short on the call."),
    )  # fmt: skip
    with app.app_context():
        take_snapshots()
        db.session.commit()
    return draft


def test_the_client_page_shows_every_signal(manager, troubled):
    page = manager.get("/clients/northwind/health").text

    for spec in scoring.SIGNALS:
        assert f'<th scope="row">{spec.label}<br>' in page
    assert page.count('<th scope="row">') == len(scoring.SIGNALS)
    assert "out of 100" in page
    assert '<svg class="sparkline"' in page


def test_the_client_pages_drivers_link_to_pages_that_open(manager, troubled):
    page = manager.get("/clients/northwind/health").text
    links = driver_links(page)

    assert "comment from Hannah unanswered" in page
    assert "“Homepage intro” is 5 days past its due date" in page
    assert "Pulse Concerning" in page
    assert len({link.split("#")[0] for link in links}) >= 3
    for link in links:
        assert manager.get(link).status_code == 200, link


def test_the_dashboards_drivers_link_to_pages_that_open(manager, troubled):
    links = driver_links(manager.get("/health").text)

    assert links
    for link in links:
        assert manager.get(link).status_code == 200, link


def test_the_client_page_offers_the_pulse_form(manager, account):
    page = manager.get("/clients/northwind/health").text

    assert 'action="/clients/northwind/health/pulse"' in page
    for value in ("healthy", "concerning", "poor"):
        assert f'value="{value}"' in page
    assert 'name="comment"' in page
    assert "No snapshot yet" in page


@pytest.mark.parametrize(
    "form, message",
    [
        ({"rating": "concerning", "comment": ""}, "Say why, so the next person understands."),
        ({"rating": "concerning", "comment": "   "}, "Say why, so the next person understands."),
        ({"comment": "Quiet lately."}, "Choose Healthy, Concerning or Poor."),
    ],
)
def test_a_pulse_needs_a_rating_and_a_reason(app, manager, account, form, message):
    response = manager.post("/clients/northwind/health/pulse", data=form)

    assert response.status_code == 422
    assert message in response.text
    assert count(app, Pulse) == 0
    assert count(app, HealthSnapshot) == 0


def test_a_pulse_is_saved_shown_and_rescores_the_client(app, manager, account, today):
    response = manager.post(
        "/clients/northwind/health/pulse",
        data={"rating": "poor", "comment": "They are talking to another agency."},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/clients/northwind/health"
    with app.app_context():
        pulse = db.session.scalars(select(Pulse)).one()
        assert (pulse.client_id, pulse.author_id) == (account.client.id, account.manager.id)
        assert (pulse.rating, pulse.comment) == ("poor", "They are talking to another agency.")
    page = manager.get(response.headers["Location"]).text
    history = re.search(r'<ul class="pulse-history">(.*?)</ul>', page, re.S).group(1)
    assert "They are talking to another agency." in history
    assert "Poor" in history and "Ada Lead" in history
    (rescored,) = snapshots_of(app, account.client.id)
    assert rescored.day == today
    sentiment = next(s for s in rescored.signals if s["key"] == "sentiment")
    assert sentiment["display"].lower().startswith("pulse poor")
    assert "pulse_poor" in {trigger["key"] for trigger in rescored.triggers}


def test_recompute_updates_the_clients_snapshot_for_today(app, manager, account, today):
    stale_at = utcnow() - timedelta(days=1)
    save(app, snapshot(account.client.id, 1, today, computed_at=stale_at))

    response = manager.post("/clients/northwind/health/recompute")

    assert response.status_code == 302
    assert response.headers["Location"] == "/clients/northwind/health"
    (recomputed,) = snapshots_of(app, account.client.id)
    assert recomputed.day == today
    assert recomputed.computed_at > stale_at
    assert len(recomputed.signals) == len(scoring.SIGNALS)


def test_recompute_all_updates_every_clients_snapshot_for_today(app, manager, account, today):
    stale_at = utcnow() - timedelta(days=1)
    save(
        app,
        snapshot(account.client.id, 1, today, computed_at=stale_at),
        snapshot(account.other_client.id, 1, today, computed_at=stale_at),
    )

    response = manager.post("/health/recompute")

    assert response.status_code == 302
    assert response.headers["Location"] == "/health"
    for client_id in (account.client.id, account.other_client.id):
        (recomputed,) = snapshots_of(app, client_id)
        assert recomputed.computed_at > stale_at, "the recompute job did not run"
        assert len(recomputed.signals) == len(scoring.SIGNALS)


# --- the weights ---------------------------------------------------------------------------


def signal_scores(**scores) -> list[dict]:
    """Snapshot signals with ``scores`` by key, at the table's weights."""
    return [
        {"key": spec.key, "label": spec.label, "score": scores.get(spec.key), "weight": spec.weight,
         "display": "", "explanation": "", "measures": {}, "contribution": None}
        for spec in scoring.SIGNALS
    ]  # fmt: skip


def weights_with(**changes) -> dict[str, int]:
    """The table's weights with ``changes``."""
    return {spec.key: spec.weight for spec in scoring.SIGNALS} | changes


@pytest.fixture
def watched_northwind(app, account, today):
    """Northwind, 60 days a client, scored Watch (66): answering well, barely engaged."""
    backdate(app, Client, account.client.id, created_at=utcnow() - timedelta(days=60))
    save(
        app,
        snapshot(
            account.client.id, 66, today, signals=signal_scores(responsiveness=100, engagement=10)
        ),
        AgencySettings(health_weights={"responsiveness": 25}),
    )


def stored_weights(app) -> list[dict]:
    with app.app_context():
        return db.session.scalars(select(AgencySettings.health_weights)).all()


def test_the_weights_page_previews_band_changes_without_saving(app, admin, watched_northwind):
    response = admin.post(
        "/admin/health/weights", data=weights_with(engagement=0) | {"action": "preview"}
    )

    assert response.status_code == 200
    row = re.search(r'<tr class="changed">(.*?)</tr>', response.text, re.S).group(1)
    assert "Northwind" in row and "Watch (66)" in row and "Healthy (100)" in row
    assert "<strong>changes</strong>" in row
    assert stored_weights(app) == [{"responsiveness": 25}]


def test_saved_weights_are_stored_and_used_by_the_next_snapshot(
    app, admin, account, watched_northwind
):
    proposed = weights_with(engagement=0, responsiveness=40)

    response = admin.post("/admin/health/weights", data=proposed | {"action": "save"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/health/weights"
    assert stored_weights(app) == [proposed]
    assert 'value="40"' in admin.get("/admin/health/weights").text
    with app.app_context():
        take_snapshots()
        db.session.commit()
    (rescored,) = snapshots_of(app, account.client.id)
    assert rescored.profile == "standard"
    assert {signal["key"]: signal["weight"] for signal in rescored.signals} == proposed


def test_all_zero_weights_are_refused(app, admin, watched_northwind):
    zero = {spec.key: 0 for spec in scoring.SIGNALS}

    response = admin.post("/admin/health/weights", data=zero | {"action": "save"})

    assert response.status_code == 422
    assert "Give at least one signal a weight above 0." in response.text
    assert stored_weights(app) == [{"responsiveness": 25}]


def test_only_admins_open_the_weights_page(manager, admin):
    assert manager.get("/admin/health/weights").status_code == 403
    assert admin.get("/admin/health/weights").status_code == 200


# --- the way in ----------------------------------------------------------------------------


def test_an_account_managers_home_is_the_health_dashboard(manager, writer):
    response = manager.get("/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/health"
    assert writer.get("/").status_code == 200
