"""A file stored for a version whose database write then failed is collected, once it is
older than any upload in flight; files versions refer to stay (issue 12, defect 13)."""

import hashlib
import io
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from portal.drafts.orphans import GRACE, collect_orphan_files
from portal.drafts.storage import stored_path
from portal.extensions import db
from portal.jobs.schedule import PERIODIC
from portal.models import DraftKind, Version, utcnow
from tests.drafts.helpers import pdf_bytes, rows
from tests.factories import make_draft, png_bytes

REFUSE_VERSIONS = {
    "sqlite": [
        "CREATE TRIGGER refuse_versions BEFORE INSERT ON versions "
        "BEGIN SELECT RAISE(ABORT, 'the database refused the write'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_version() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'the database refused the write' USING ERRCODE = 'unique_violation'; "
        "END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_versions BEFORE INSERT ON versions "
        "FOR EACH ROW EXECUTE FUNCTION refuse_version()",
    ],
}
ALLOW_VERSIONS = {
    "sqlite": ["DROP TRIGGER refuse_versions"],
    "postgresql": [
        "DROP TRIGGER refuse_versions ON versions",
        "DROP FUNCTION refuse_version()",
    ],
}


@contextmanager
def versions_refused(app):
    """The database itself refuses every new version (a trigger), while this lasts."""

    def run(statements):
        with app.app_context():
            for statement in statements[db.engine.dialect.name]:
                db.session.execute(text(statement))
            db.session.commit()

    run(REFUSE_VERSIONS)
    try:
        yield
    finally:
        run(ALLOW_VERSIONS)


def upload(browser, account, draft, data: bytes, name: str):
    return browser.post(
        account.draft_url(draft, "/versions/new"),
        data={"file": (io.BytesIO(data), name), "note": "v"},
        content_type="multipart/form-data",
    )


def kept_files(app) -> set[str]:
    root = Path(app.config["UPLOAD_DIR"])
    return {p.name for p in root.glob("*/*") if p.is_file() and p.parent.name != "tmp"}


def collect(app, now):
    with app.app_context():
        return collect_orphan_files(now=now)


@pytest.fixture
def drafts(app, account, monkeypatch, tmp_path):
    """A PDF draft and an image draft, their files kept in an upload folder of their own
    (the suite's is shared by every test, and its tables are emptied between them)."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    with app.app_context():
        return (
            make_draft(account.project, account.designer, DraftKind.PDF, title="Brochure"),
            make_draft(account.project, account.designer, DraftKind.IMAGE, title="Banner"),
        )


def test_a_file_whose_version_was_never_written_is_collected_after_the_grace(
    app, account, designer, drafts
):
    brochure, banner = drafts
    assert upload(designer, account, brochure, pdf_bytes(pages=2), "b.pdf").status_code == 302
    assert upload(designer, account, banner, png_bytes(64, 48), "b.png").status_code == 302
    referenced = kept_files(app)  # the PDF, its pages and their index, the image, its thumbnail
    orphan = png_bytes(90, 30)
    with app.app_context():
        orphan_path = stored_path(hashlib.sha256(orphan).hexdigest())

    with versions_refused(app):
        failed = upload(designer, account, banner, orphan, "orphan.png")
    assert failed.status_code == 409
    assert len(rows(app, Version, Version.draft_id == banner.id)) == 1
    assert orphan_path.is_file()  # stored, and no row refers to it

    assert collect(app, now=utcnow()) == 0  # it may be an upload still being written
    assert orphan_path.is_file()

    assert collect(app, now=utcnow() + GRACE + GRACE) == 1
    assert not orphan_path.is_file()
    assert kept_files(app) == referenced
    assert len(referenced) >= 6


def test_the_collection_is_periodic_work():
    assert any(periodic.func is collect_orphan_files for periodic in PERIODIC)
