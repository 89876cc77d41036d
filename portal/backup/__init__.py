"""Backups that restore: ``flask portal backup`` and ``flask portal restore``.

A backup is one uncompressed tar file:

- ``database.sqlite3`` or ``database.pgdump`` (``pg_dump`` custom format): the database as
  one snapshot;
- ``uploads/<xx>/<name>``: every stored file (not the temporary files of uploads in flight);
- ``manifest.json``, last since it sums up the rest: the format, the kind of database, its
  Alembic revision, when the backup was made, and the size and SHA-256 of every other member
  (``portal.backup.archive``).

It is written while the portal runs, database first, then uploads:

- SQLite: Python's online backup API (``sqlite3.Connection.backup``) copies the whole file
  in one step, inside one read transaction. The portal's databases are in WAL mode, where a
  reader blocks no writer, so requests keep writing meanwhile. A copy made in several steps
  would start again each time another connection wrote, and under steady writing might never
  finish.
- PostgreSQL: a read-only REPEATABLE READ transaction exports its snapshot, and ``pg_dump``
  (``-Fc``, the binary of the server's major version) dumps exactly that snapshot. Its
  ACCESS SHARE locks hold back nothing but schema changes.

Which files the snapshot's versions refer to is read from the snapshot too
(``portal.backup.databases``).

Then the uploads. A stored file is written whole and renamed into place *before* the row that
refers to it is committed (``portal.drafts.storage``: the upload; ``processing``: thumbnails,
then page images and their index, then ``processed_at``), and a file named by its content
never changes. So every file a committed row of the snapshot refers to was on disk before the
snapshot was taken, and the copy made afterwards holds it. Files stored after the snapshot
are copied too; nothing in the restored database refers to them, and the collection of orphan
files removes them in time. Only a row deleted after the snapshot, followed by the collection
of its files during the copy, could take a referred file away. The backup checks that case:
it fails unless every file the snapshot refers to is in the archive.

Restoring goes into an empty database and an empty upload folder (``force`` empties the
database first). Every member is checked against the manifest before anything is written, and
a file named by its content is checked against its name as well.

``SECRET_KEY`` is not in a backup. Keep it apart: sessions and e-mailed links depend on it.
"""

import json
import os
import sqlite3
import tarfile
import tempfile
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from portal.backup.archive import (
    DATABASE_MEMBERS,
    FORMAT,
    MANIFEST,
    STORED_NAME,
    UPLOADS,
    BackupError,
    Summary,
    add_bytes,
    add_file,
    extract,
    read_manifest,
    upload_path,
    verify,
)
from portal.backup.databases import (
    DATABASE_NAMES,
    copy_sqlite,
    database_kind,
    dump_postgresql,
    restore_postgresql,
    restore_sqlite,
)
from portal.drafts import storage
from portal.drafts.processing import PAGES_SUFFIX
from portal.extensions import db
from portal.models import utcnow

__all__ = ["BackupError", "Summary", "head_revision", "restore_backup", "write_backup"]


def write_backup(destination: Path) -> Summary:
    """Write a backup of the configured database and the uploads to ``destination``: a new
    ``.tar`` file, or a folder to put ``portal-backup-<time>.tar`` in. Raises BackupError."""
    kind = database_kind()
    now = utcnow()
    if destination.is_dir():
        destination = destination / f"portal-backup-{now:%Y%m%dT%H%M%SZ}.tar"
    if destination.exists():
        raise BackupError(f"{destination} exists already; give a new file name.")
    if not destination.parent.is_dir():
        raise BackupError(f"There is no folder {destination.parent} to write the backup in.")
    partial = destination.with_name(destination.name + ".partial")
    try:
        with tempfile.TemporaryDirectory(dir=destination.parent) as scratch:
            snapshot = Path(scratch) / DATABASE_MEMBERS[kind]
            if kind == "sqlite":
                revision, referenced = copy_sqlite(snapshot)
            else:
                revision, referenced = dump_postgresql(snapshot)
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
                members = {snapshot.name: add_file(archive, snapshot.name, snapshot)}
                uploads, archived = _add_uploads(archive, storage.upload_root())
                members |= uploads
                missing = sorted(referenced - archived)
                if missing:
                    raise BackupError(
                        f"{len(missing)} files the database refers to were gone before they "
                        f"could be copied (e.g. {missing[0]}); run the backup again."
                    )
                manifest = {
                    "format": FORMAT,
                    "database": kind,
                    "alembic_revision": revision,
                    "created_at": now.isoformat(),
                    "files": len(members) - 1,
                    "file_bytes": sum(m["size"] for n, m in members.items() if n != snapshot.name),
                    "members": members,
                }
                add_bytes(archive, MANIFEST, json.dumps(manifest, indent=1).encode())
            with partial.open("rb") as written:
                os.fsync(written.fileno())
        os.replace(partial, destination)
    except (OSError, sqlite3.Error, SQLAlchemyError, tarfile.TarError) as error:
        raise BackupError(f"The backup failed: {error}") from error
    finally:
        partial.unlink(missing_ok=True)
    return Summary(destination, kind, revision, manifest["files"], manifest["file_bytes"])


def _add_uploads(archive: tarfile.TarFile, root: Path) -> tuple[dict, set[str]]:
    """Add every stored file under ``root`` as ``uploads/…``; their manifest entries, and the
    names of the stored files in the archive.

    A PDF's index of drawn pages counts as archived only with every page image it lists, so
    that a missing page image shows as its PDF missing.
    """
    members, pages = {}, {}
    if root.is_dir():
        for path in sorted(root.glob("*/*")):
            relative = path.relative_to(root).as_posix()
            if not STORED_NAME.fullmatch(relative):
                continue  # temporary files of uploads in flight, and anything not the portal's
            name = f"{UPLOADS}/{relative}"
            try:
                if path.name.endswith(PAGES_SUFFIX):
                    index = path.read_bytes()  # small, and never changed once written
                    members[name] = add_bytes(archive, name, index)
                    drawn = json.loads(index)["pages"]
                    pages[path.name.removesuffix(PAGES_SUFFIX)] = {entry[0] for entry in drawn}
                else:
                    members[name] = add_file(archive, name, path)
            except FileNotFoundError:
                continue  # an orphan collected meanwhile; referred files are checked after
    archived = {name.rsplit("/", 1)[1] for name in members}
    archived -= {pdf for pdf, images in pages.items() if not images <= archived}
    return members, archived


def restore_backup(source: Path, *, force: bool = False) -> Summary:
    """Restore the backup at ``source`` into the configured database and upload folder,
    both empty unless ``force``. Raises BackupError, having written nothing, if the archive
    is damaged or changed, or the target isn't empty."""
    kind = database_kind()
    try:
        with tarfile.open(source, "r:") as archive:
            manifest = read_manifest(archive)
            if manifest["database"] != kind:
                raise BackupError(
                    f"This backup holds a {DATABASE_NAMES[manifest['database']]} database; "
                    f"the portal is set up for {DATABASE_NAMES[kind]}."
                )
            revision = manifest["alembic_revision"]
            _check_revision_known(revision)
            if not force:
                _refuse_unless_empty()
            verify(archive, manifest)
            with tempfile.TemporaryDirectory() as scratch:
                snapshot = Path(scratch) / DATABASE_MEMBERS[kind]
                extract(archive, DATABASE_MEMBERS[kind], snapshot, manifest)
                db.session.remove()
                db.engine.dispose()
                if kind == "sqlite":
                    restore_sqlite(snapshot)
                else:
                    restore_postgresql(snapshot, force)
                db.engine.dispose()
            _restore_uploads(archive, manifest, storage.upload_root())
    except tarfile.ReadError as error:
        raise BackupError(f"{source} isn't a readable portal backup ({error}).") from error
    except (OSError, sqlite3.Error, SQLAlchemyError, tarfile.TarError) as error:
        raise BackupError(f"The restore failed: {error}") from error
    return Summary(source, kind, revision, manifest["files"], manifest["file_bytes"])


def _check_revision_known(revision: str | None) -> None:
    """Refuse a backup whose schema this code's migrations don't know (a newer portal's)."""
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    try:
        known = revision is not None and scripts.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(
            f"This backup's database is at revision {revision}, which this version of the "
            "portal doesn't know: restore it with the version that made it."
        )


def head_revision() -> str | None:
    """The revision this code's migrations lead to."""
    return ScriptDirectory(current_app.extensions["migrate"].directory).get_current_head()


def _refuse_unless_empty() -> None:
    tables = inspect(db.engine).get_table_names()
    if tables:
        raise BackupError(
            f"The database {db.engine.url.render_as_string(hide_password=True)} already has "
            f"{len(tables)} tables ({', '.join(sorted(tables)[:3])}, …). Restore into an "
            "empty database, or pass --force to replace what it holds."
        )
    root = storage.upload_root()
    if root.is_dir() and any(path.is_file() for path in root.rglob("*")):
        raise BackupError(
            f"The upload folder {root} already holds files. Restore into an empty folder, "
            "or pass --force to add the backup's files to them."
        )


def _restore_uploads(archive: tarfile.TarFile, manifest: dict, root: Path) -> None:
    """Write the backup's files under ``root``, each whole: a temporary file renamed."""
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    for name in manifest["members"]:
        if name.startswith(UPLOADS + "/"):
            final = upload_path(root, name)
            final.parent.mkdir(exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=root / "tmp")
            os.close(handle)
            try:
                extract(archive, name, Path(temporary), manifest)
                os.replace(temporary, final)
            finally:
                Path(temporary).unlink(missing_ok=True)
