"""Backups that restore (issue 12): ``flask portal backup`` run while people post comments and
upload files through a real server, restored into a fresh database and upload folder, holds
every comment committed before it started and every file the restored versions refer to,
byte for byte. A restore refuses a target that isn't empty, and an archive that was changed.

The portal under load is gunicorn on a database of its own (``scratch_database``, of the
suite's kind); the commands run as ``flask portal …`` processes, as an operator runs them.
"""

import hashlib
import http.client
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from PIL import Image
from sqlalchemy import func, inspect, select

from portal import create_app
from portal.drafts.orphans import referenced_files
from portal.extensions import db
from portal.models import Comment, DraftKind, Version
from tests.databases import scratch_database
from tests.drafts.helpers import comment_fields
from tests.factories import TEST_PASSWORD, make_draft, make_thread, make_version, png_bytes
from tests.perf.pages import HttpSession
from tests.perf.servers import HOST, ROOT, Gunicorn, portal_environment
from tests.review import build_account

CONFIGURED_DATABASE = os.environ.get("PORTAL_TEST_DATABASE_URL")
# The load: comments and uploads to see through before the backup, and again after it.
COMMENTS_EACH_SIDE = 24
UPLOADS_EACH_SIDE = 3
WAIT_LIMIT = 300  # seconds; a bound on a hung load, not a measure of anything


# --- a portal of its own, and its commands -------------------------------------------------


@contextmanager
def portal_app(database_url: str, upload_dir: Path):
    """An app on ``database_url`` and ``upload_dir``, for making and reading rows."""
    app = create_app(
        {
            "PORTAL_ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": "backup-test-" + "k" * 32,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": None,
            "RATELIMIT_STORAGE_URI": "memory://",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 1024,
            "UPLOAD_DIR": str(upload_dir),
            "SERVER_NAME": "portal.test",
            "PUBLIC_URL": "http://portal.test",
        },
        environ={},
    )
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def flask_portal(database_url: str, upload_dir: Path, *arguments) -> subprocess.CompletedProcess:
    """Run ``flask portal <arguments>`` as a production portal on that database and folder."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "portal", *arguments],
        cwd=ROOT,
        env=portal_environment(database_url, str(upload_dir)),
        capture_output=True,
        text=True,
        timeout=WAIT_LIMIT,
    )


def refused(result: subprocess.CompletedProcess, words: str) -> bool:
    """Whether the command failed with ``words`` in a plain message, not a traceback."""
    return result.returncode != 0 and words in result.stderr and "Traceback" not in result.stderr


def database_tables(database_url: str, upload_dir: Path) -> list[str]:
    with portal_app(database_url, upload_dir) as app, app.app_context():
        return inspect(db.engine).get_table_names()


def stored_files(upload_dir: Path) -> dict[str, bytes]:
    """Every stored file under ``upload_dir`` by name, with its bytes."""
    return {
        path.name: path.read_bytes()
        for path in upload_dir.glob("*/*")
        if path.is_file() and path.parent.name != "tmp"
    }


# --- the load ------------------------------------------------------------------------------


def distinct_pdf(n: int) -> bytes:
    """A one-page PDF whose bytes differ for every ``n``."""
    buffer = io.BytesIO()
    Image.new("RGB", (90 + n % 50, 60), (n % 256, 90, 160)).save(buffer, "PDF")
    return buffer.getvalue()


def distinct_png(n: int) -> bytes:
    return png_bytes(40 + n % 100, 30 + n // 100, (n % 256, 80, 40))


def post_file(session: HttpSession, path: str, csrf: str, name: str, data: bytes) -> int:
    """POST a file as the version upload form does; the answer's status."""
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nv\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    connection = http.client.HTTPConnection(HOST, session.port, timeout=120)
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Cookie": session.cookie_header,
                "X-CSRFToken": csrf,
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


class WriteLoad:
    """People posting comments, and a designer uploading files, each in a thread of its own,
    until stopped. What got a success answer is recorded, in order, as is every failure."""

    def __init__(self, port: int, account, thread, drafts):
        self.port = port
        self.stopping = threading.Event()
        self.changed = threading.Condition()
        self.attempted: set[str] = set()
        self.posted: list[str] = []  # comment bodies answered with a redirect (committed)
        self.uploaded: list[str] = []  # SHA-256 of files answered with a redirect
        self.failures: list[str] = []
        thread_path = f"{account.base}/threads/{thread.id}/comments"
        posters = (account.reviewer, account.second_reviewer, account.writer, account.manager)
        self.workers = [
            threading.Thread(target=self._guarded, args=(self._post, person, thread_path))
            for person in posters
        ]
        upload_paths = [account.draft_url(draft, "/versions/new") for draft in drafts]
        self.workers.append(
            threading.Thread(
                target=self._guarded, args=(self._upload, account.designer, upload_paths)
            )
        )

    def start(self):
        for worker in self.workers:
            worker.start()

    def stop(self):
        self.stopping.set()
        for worker in self.workers:
            worker.join(timeout=WAIT_LIMIT)

    def wait_for(self, comments: int, uploads: int) -> None:
        """Wait until that many comments and uploads have succeeded, or a poster failed."""
        with self.changed:
            self.changed.wait_for(
                lambda: (
                    self.failures
                    or (len(self.posted) >= comments and len(self.uploaded) >= uploads)
                ),
                timeout=WAIT_LIMIT,
            )
        assert not self.failures, self.failures[:5]

    def committed(self) -> tuple[set[str], set[str]]:
        """The comments and files whose posting had succeeded by now."""
        with self.changed:
            return set(self.posted), set(self.uploaded)

    def _record(self, into: list | None, item: str, failure: str | None = None):
        with self.changed:
            if failure:
                self.failures.append(failure)
            else:
                into.append(item)
            self.changed.notify_all()

    def _guarded(self, work, *arguments):
        try:
            work(*arguments)
        except Exception as error:  # a dead poster must wake the test, not hang it
            self._record(None, "", failure=repr(error))

    def _post(self, person, path: str):
        session = HttpSession(self.port)
        csrf = session.sign_in(person.email, TEST_PASSWORD)
        n = 0
        while not self.stopping.is_set():
            n += 1
            body = f"Backup load from {person.email}, comment {n}"
            with self.changed:
                self.attempted.add(body)
            status, page = session.request(
                "POST", path, comment_fields(body), headers={"X-CSRFToken": csrf}
            )
            failure = None if status == 302 else f"comment: {status} {page[-300:]}"
            self._record(self.posted, body, failure)

    def _upload(self, person, paths: list[str]):
        session = HttpSession(self.port)
        csrf = session.sign_in(person.email, TEST_PASSWORD)
        n = 0
        while not self.stopping.is_set():
            n += 1
            image = n % 2 == 1
            data = distinct_png(n) if image else distinct_pdf(n)
            name = "artwork.png" if image else "brochure.pdf"
            status = post_file(session, paths[0 if image else 1], csrf, name, data)
            failure = None if status == 302 else f"upload: {status}"
            self._record(self.uploaded, hashlib.sha256(data).hexdigest(), failure)


# --- backing up under load -----------------------------------------------------------------


def test_a_backup_under_write_load_restores_every_committed_comment_and_file(tmp_path):
    archive = tmp_path / "portal-backup.tar"
    source_uploads, restored_uploads = tmp_path / "uploads", tmp_path / "restored-uploads"
    with (
        scratch_database(CONFIGURED_DATABASE, tmp_path, "backup_source") as source_url,
        scratch_database(CONFIGURED_DATABASE, tmp_path, "backup_restored") as restored_url,
    ):
        with portal_app(source_url, source_uploads) as app, app.app_context():
            upgrade()
            account = build_account(app)
            thread = make_thread(account.client, account.reviewer, project=account.project)
            drafts = [
                make_draft(account.project, account.designer, DraftKind.IMAGE),
                make_draft(account.project, account.designer, DraftKind.PDF),
            ]
        server = Gunicorn(
            "portal", "wsgi:app", portal_environment(source_url, str(source_uploads)), "/login"
        )
        load = WriteLoad(server.port, account, thread, drafts)
        try:
            load.start()
            load.wait_for(comments=COMMENTS_EACH_SIDE, uploads=UPLOADS_EACH_SIDE)
            comments_before, files_before = load.committed()
            backup = flask_portal(source_url, source_uploads, "backup", str(archive))
            posted_by_then, uploaded_by_then = (len(part) for part in load.committed())
            load.wait_for(
                comments=posted_by_then + COMMENTS_EACH_SIDE,
                uploads=uploaded_by_then + UPLOADS_EACH_SIDE,
            )
        finally:
            load.stop()
            server.stop()
        assert backup.returncode == 0, backup.stderr
        assert not load.failures, load.failures[:5]  # no request failed while it ran

        restore = flask_portal(restored_url, restored_uploads, "restore", str(archive))
        assert restore.returncode == 0, restore.stderr

        with portal_app(restored_url, restored_uploads) as restored, restored.app_context():
            restored_comments = set(db.session.scalars(select(Comment.body)))
            restored_versions = db.session.scalars(
                select(Version).where(Version.file_hash.is_not(None))
            ).all()
            restored_version_files = {version.file_hash for version in restored_versions}
            referenced = referenced_files()
        assert comments_before <= restored_comments
        assert restored_comments - {"Hello."} <= load.attempted
        assert files_before <= restored_version_files

        source_files, restored_files = stored_files(source_uploads), stored_files(restored_uploads)
        assert referenced >= restored_version_files
        for name in referenced:
            assert restored_files.get(name) == source_files[name], name
            if "." not in name:  # named by its content
                assert hashlib.sha256(restored_files[name]).hexdigest() == name
        # The PDFs' drawn pages and the images' thumbnails came back with them.
        assert any(name.endswith(".pages.json") for name in referenced)
        assert any(version.thumbnail_hash for version in restored_versions)


# --- restoring refuses ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_backup(tmp_path_factory):
    """A backup of a portal with a thread, an image and a PDF; the source's database URL,
    upload folder and number of comments come with it."""
    folder = tmp_path_factory.mktemp("small_backup")
    uploads, archive = folder / "uploads", folder / "portal-backup.tar"
    with scratch_database(CONFIGURED_DATABASE, folder, "backup_small") as url:
        with portal_app(url, uploads) as app, app.app_context():
            upgrade()
            account = build_account(app)
            make_thread(account.client, account.reviewer, project=account.project)
            for kind, data in (
                (DraftKind.IMAGE, distinct_png(7)),
                (DraftKind.PDF, distinct_pdf(7)),
            ):
                draft = make_draft(account.project, account.designer, kind)
                make_version(draft, account.designer, image=data)
            comments = db.session.scalar(select(func.count()).select_from(Comment))
        result = flask_portal(url, uploads, "backup", str(archive))
        assert result.returncode == 0, result.stderr
        yield {"archive": archive, "url": url, "uploads": uploads, "comments": comments}


def test_restore_refuses_a_database_that_is_not_empty(small_backup, tmp_path):
    source = small_backup
    result = flask_portal(source["url"], tmp_path / "empty", "restore", str(source["archive"]))
    assert refused(result, "already has")
    assert "--force" in result.stderr

    with scratch_database(CONFIGURED_DATABASE, tmp_path, "backup_twice") as url:
        uploads = tmp_path / "uploads"
        first = flask_portal(url, uploads, "restore", str(source["archive"]))
        assert first.returncode == 0, first.stderr
        again = flask_portal(url, tmp_path / "other-uploads", "restore", str(source["archive"]))
        assert refused(again, "already has")
        forced = flask_portal(url, uploads, "restore", "--force", str(source["archive"]))
        assert forced.returncode == 0, forced.stderr
        with portal_app(url, uploads) as app, app.app_context():
            assert (
                db.session.scalar(select(func.count()).select_from(Comment)) == source["comments"]
            )


def test_restore_refuses_an_upload_folder_that_is_not_empty(small_backup, tmp_path):
    uploads = tmp_path / "uploads"
    (uploads / "ab").mkdir(parents=True)
    (uploads / "ab" / "something").write_bytes(b"kept")
    with scratch_database(CONFIGURED_DATABASE, tmp_path, "backup_folder") as url:
        result = flask_portal(url, uploads, "restore", str(small_backup["archive"]))
        assert refused(result, "already holds files")
        assert database_tables(url, uploads) == []


def changed_copy(archive: Path, into: Path, change) -> str:
    """Copy ``archive`` to ``into`` with ``change(name, data, manifest)`` applied to its first
    stored upload; the name of the member changed."""
    with tarfile.open(archive) as original:
        members = [(m, original.extractfile(m).read()) for m in original.getmembers()]
    manifest = json.loads(dict((m.name, d) for m, d in members)["manifest.json"])
    target = next(m.name for m, _ in members if m.name.startswith("uploads/") and "." not in m.name)
    with tarfile.open(into, "w") as copy:
        for member, data in members:
            if member.name == target:
                data = change(data, manifest["members"][target])
            if member.name == "manifest.json":
                data = json.dumps(manifest).encode()
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return target


def flip_a_byte(data: bytes, entry: dict) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def flip_a_byte_and_its_sum(data: bytes, entry: dict) -> bytes:
    changed = flip_a_byte(data, entry)
    entry["sha256"] = hashlib.sha256(changed).hexdigest()
    return changed


@pytest.mark.parametrize("change", [flip_a_byte, flip_a_byte_and_its_sum])
def test_a_file_changed_in_the_archive_is_found_before_anything_is_restored(
    small_backup, tmp_path, change
):
    tampered = tmp_path / "tampered.tar"
    member = changed_copy(small_backup["archive"], tampered, change)
    uploads = tmp_path / "uploads"
    with scratch_database(CONFIGURED_DATABASE, tmp_path, "backup_tampered") as url:
        result = flask_portal(url, uploads, "restore", str(tampered))
        assert refused(result, member)
        assert "Nothing was restored" in result.stderr
        assert database_tables(url, uploads) == []
    assert stored_files(uploads) == {}
