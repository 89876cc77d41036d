"""A seeded large agency: the same rows for the same seed and scale, on SQLite or PostgreSQL.

At scale 1 it is the agency of issue 10: 50 clients, 500 users, 250 projects, 5,000 drafts
and 200,000 comments, about 50 threads of them 500+ comments long, with read marks,
mentions, decisions, events, pulses, an outbox and 90 days of health snapshots. ``scale``
multiplies every count (0.1 for a quick run, 10 for the "outgrown" case).

The skew is what a real agency has: a few busy clients and a long tail of quiet ones
(Zipf-like weights), most threads short (log-normal sizes) and a tail of very long ones.
Timestamps spread over the 90 days before ``now``; comment ids follow their timestamps.

The schema comes from the real migrations; rows go in with SQLAlchemy Core bulk inserts
(``insert(Model)`` with lists of dicts, in chunks), explicit ids included, and PostgreSQL's
sequences are moved past them afterwards, so the app's own inserts keep working. Stored
files: one PNG and one PDF, stored by ``portal.drafts.storage`` and shared by every image
and PDF version.

``python -m tests.perf.dataset --database-url URL --scale 0.1`` builds one and writes the
personas file (who to sign in as, which pages to hit) next to it.
"""

import argparse
import io
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import make_url

from portal import create_app
from portal.auth.passwords import hash_password
from portal.config import normalise_database_url
from portal.drafts.storage import store_bytes, store_upload
from portal.extensions import db, refresh_planner_statistics
from portal.health.scoring import band_for
from portal.health.snapshots import take_snapshots
from portal.models import ClientRole, Comment, Draft, DraftKind, HealthSnapshot, User, Version
from portal.threads.subscriptions import refresh_read_mentions, refresh_unread_subscriptions
from tests.perf.agency import HISTORY_DAYS, TABLES, Agency

SEED = 2026
# Every persona shares this password; its hash is computed once, at the production cost.
PASSWORD = "bench-password-2026"
SECRET_KEY = "bench-secret-key-" + "x" * 32
CHUNK = 5000


def _make_app(database_url: str, upload_dir: Path):
    environ = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "UPLOAD_DIR": str(upload_dir),
        "PORTAL_ENV": "production",
    }
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url)}, environ=environ
    )


def _stored_files() -> dict:
    """One PNG and one four-page PDF in the upload folder, shared by all file versions."""
    from PIL import Image, ImageDraw
    from pypdf import PdfWriter

    image = Image.new("RGB", (1600, 1000), (240, 236, 228))
    ImageDraw.Draw(image).rectangle((200, 150, 1400, 850), fill=(40, 90, 140))
    png = io.BytesIO()
    image.save(png, "PNG")
    thumbnail = image.copy()
    thumbnail.thumbnail((480, 480))
    thumb = io.BytesIO()
    thumbnail.save(thumb, "PNG")
    writer = PdfWriter()
    for _ in range(4):
        writer.add_blank_page(595, 842)
    pdf = io.BytesIO()
    writer.write(pdf)
    files = {}
    for kind, data, ext in (
        (DraftKind.IMAGE, png.getvalue(), "png"),
        (DraftKind.PDF, pdf.getvalue(), "pdf"),
    ):
        stored = store_upload(io.BytesIO(data), f"seed.{ext}", kind)
        files[str(kind)] = {
            "file_hash": stored.file_hash,
            "mime_type": stored.mime_type,
            "size": stored.size,
            "ext": ext,
            "width": None,
            "height": None,
            "page_count": None,
            "thumbnail_hash": None,
        }
    files["image"].update(width=1600, height=1000, thumbnail_hash=store_bytes(thumb.getvalue()))
    files["pdf"]["page_count"] = 4
    return files


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start : start + CHUNK])


def _fix_sequences() -> None:
    """Move PostgreSQL's id sequences past the explicit ids, so the app's inserts work."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c:
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )


def _analyze(vacuum: bool = False) -> None:
    """What a running portal would have done by now after loads of this size. On SQLite the
    hourly statistics job; on PostgreSQL autovacuum: without statistics its planner picks
    plans that take minutes (the health facts query did), and the dead rows the answers'
    fill-in leaves behind make index scans visit every one."""
    if db.engine.dialect.name == "sqlite":
        refresh_planner_statistics()
        db.session.commit()
    elif db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if vacuum else "ANALYZE"))


def _health_history(now: datetime) -> int:
    """Today's snapshots by the real job, then 89 days before them as plain rows: the same
    signals and drivers, the score wandering, so trends and sparklines have a past."""
    take_snapshots(now)
    db.session.flush()
    today = db.session.scalars(select(HealthSnapshot)).all()
    rng = random.Random(SEED)
    rows = []
    for snapshot in today:
        score = snapshot.score if snapshot.score is not None else 60
        for days_back in range(1, HISTORY_DAYS):
            score = max(0, min(100, score + rng.randint(-4, 4)))
            rows.append(
                {
                    "client_id": snapshot.client_id,
                    "day": snapshot.day - timedelta(days=days_back),
                    "score": score,
                    "band": str(band_for(score)),
                    "profile": snapshot.profile,
                    "signals": snapshot.signals,
                    "drivers": snapshot.drivers,
                    "triggers": snapshot.triggers,
                    "outside_in": snapshot.outside_in,
                    "computed_at": now - timedelta(days=days_back),
                }
            )
    _insert(HealthSnapshot, rows)
    return len(rows) + len(today)


def _personas(agency: Agency) -> dict:
    """Who the bench signs in as and which rows its pages show, all of the busiest client."""
    users = {u["id"]: u for u in agency.rows[User]}
    busy_id, other_id = 1, 2
    sizes = {m["thread"]["id"]: s for m, s in zip(agency.thread_meta, agency.sizes, strict=True)}
    metas = agency.thread_meta
    authored: dict[int, int] = {}
    for c in agency.comments:
        if c["client_id"] == busy_id:
            authored[c["author_id"]] = authored.get(c["author_id"], 0) + 1
    reviewers = [u for u in agency.client_people[busy_id] if users[u]["role"] == ClientRole.MEMBER]
    reviewer = max(
        reviewers or agency.client_people[busy_id], key=lambda u: (authored.get(u, 0), -u)
    )
    team = agency.team[busy_id]
    drafts_made: dict[int, int] = {}
    for d in agency.rows[Draft]:
        if d["client_id"] == busy_id:
            drafts_made[d["maker_id"]] = drafts_made.get(d["maker_id"], 0) + 1
    maker = max(team["copywriter"], key=lambda u: (drafts_made.get(u, 0), -u))
    draft_threads = sorted(
        (
            (sizes[m["thread"]["id"]], m["draft"]["id"], m["thread"]["id"])
            for m in metas
            if m["draft"] is not None and m["thread"]["client_id"] == busy_id
        ),
    )
    all_sizes = sorted(sizes[m["thread"]["id"]] for m in metas if m["draft"] is not None)
    median_size = all_sizes[len(all_sizes) // 2]
    median = min(draft_threads, key=lambda t: (abs(t[0] - median_size), t[1]))
    biggest = draft_threads[-1]
    conversations = [
        (sizes[m["thread"]["id"]], m["thread"]["id"])
        for m in metas
        if m["draft"] is None
        and not m["thread"]["internal"]
        and m["thread"]["client_id"] == busy_id
    ]
    thread_size, thread_id = max(conversations)
    per_project: dict[int, int] = {}
    for d in agency.rows[Draft]:
        if d["client_id"] == busy_id:
            per_project[d["project_id"]] = per_project.get(d["project_id"], 0) + 1
    project_id = max(per_project, key=lambda p: (per_project[p], -p))
    file_version = next(
        v
        for v in agency.rows[Version]
        if v["client_id"] == busy_id and v["mime_type"] == "image/png"
    )
    big_comments = sorted(c["id"] for c in agency.comments if c["thread"]["id"] == biggest[2])
    return {
        "password": PASSWORD,
        "client": {"id": busy_id, "slug": f"client-{busy_id}"},
        "other_client": {"id": other_id, "slug": f"client-{other_id}"},
        "personas": {
            "reviewer": users[reviewer]["email"],
            "maker": users[maker]["email"],
            "account_manager": users[team["account_manager"][0]]["email"],
            "admin": users[agency.staff_by_role["admin"][0]]["email"],
            "other_client": users[agency.client_people[other_id][-1]]["email"],
        },
        "pages": {
            "project_id": project_id,
            "project_drafts": per_project[project_id],
            "draft_median_id": median[1],
            "draft_median_comments": median[0],
            "draft_biggest_id": biggest[1],
            "draft_biggest_comments": biggest[0],
            "draft_biggest_thread_id": biggest[2],
            "draft_biggest_last_comment_id": big_comments[-1],
            "draft_biggest_older_before_id": big_comments[max(0, len(big_comments) - 50)],
            "thread_id": thread_id,
            "thread_comments": thread_size,
            "version_file_id": file_version["id"],
        },
    }


def build(
    database_url: str,
    scale: float = 1.0,
    seed: int = SEED,
    now: datetime | None = None,
    upload_dir: Path | None = None,
    log=print,
) -> dict:
    """Create the schema on the empty database at ``database_url`` and fill it with the
    seeded agency; return the personas (e-mails, password, page ids) and the row counts.

    ``upload_dir`` (default: ``uploads/`` next to a SQLite file, else a folder in the
    current directory) receives the stored files the app serves.
    """
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    if upload_dir is None:
        url = make_url(normalise_database_url(database_url))
        parent = Path(url.database).parent if url.drivername.startswith("sqlite") else Path.cwd()
        upload_dir = parent / "uploads"
    timings, started = {}, time.perf_counter()
    app = _make_app(database_url, upload_dir)
    with app.app_context():
        upgrade()
        timings["migrate"] = time.perf_counter() - started
        mark = time.perf_counter()
        files = _stored_files()
        agency = Agency(scale, seed, now, hash_password(PASSWORD), files)
        agency.build()
        timings["generate"] = time.perf_counter() - mark
        mark = time.perf_counter()
        counts = {}
        for model in TABLES:
            _insert(model, agency.rows[model])
            counts[model.__tablename__] = len(agency.rows[model])
        for start in range(0, len(agency.answer_updates), CHUNK):
            db.session.execute(update(Comment), agency.answer_updates[start : start + CHUNK])
        refresh_read_mentions()
        refresh_unread_subscriptions()
        _fix_sequences()
        db.session.commit()
        timings["insert"] = time.perf_counter() - mark
        mark = time.perf_counter()
        _analyze()
        timings["analyze"] = time.perf_counter() - mark
        mark = time.perf_counter()
        counts["health_snapshots"] = _health_history(now)
        db.session.commit()
        _analyze(vacuum=True)
        timings["health"] = time.perf_counter() - mark
        db.session.remove()
        db.engine.dispose()
    timings["total"] = time.perf_counter() - started
    personas = _personas(agency)
    personas.update(
        scale=scale,
        seed=seed,
        now=now.isoformat(),
        upload_dir=str(upload_dir),
        counts=counts,
        timings={k: round(v, 2) for k, v in timings.items()},
    )
    log(
        f"dataset: scale {scale:g}, seed {seed}: {sum(counts.values()):,} rows in "
        f"{timings['total']:.1f} s ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items() if k != "total")
        + ")"
    )
    return personas


def personas_path(database_url: str) -> Path:
    """Where the personas file of a database goes: next to a SQLite file, else here."""
    url = make_url(normalise_database_url(database_url))
    if url.drivername.startswith("sqlite") and url.database:
        return Path(url.database).with_suffix(".personas.json")
    return Path.cwd() / f"{url.database}.personas.json"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="an empty database")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--now", help="ISO timestamp the 90 days end at (default: now)")
    parser.add_argument("--upload-dir", type=Path)
    parser.add_argument("--personas", type=Path, help="where to write the personas JSON")
    args = parser.parse_args(argv)
    now = datetime.fromisoformat(args.now) if args.now else None
    personas = build(args.database_url, args.scale, args.seed, now, args.upload_dir)
    path = args.personas or personas_path(args.database_url)
    path.write_text(json.dumps(personas, indent=2, default=str) + "\n")
    print(f"personas: {path}")
    print(json.dumps(personas["counts"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
