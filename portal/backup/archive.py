"""The backup file: an uncompressed tar of the database and the stored files, with a
``manifest.json`` (written last, since it sums up the rest) holding the format, the kind of
database, its Alembic revision, when the backup was made, and every other member's size and
SHA-256. Reading one back checks each member against it."""

import hashlib
import io
import json
import os
import re
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
UPLOADS = "uploads"
# A stored file, or something kept beside it: "<first two of the hash>/<hash>[.suffix]".
STORED_NAME = re.compile(r"([0-9a-f]{2})/(\1[0-9a-f]{62})(\.[a-z0-9]+(?:\.[a-z0-9]+)*)?")
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup can't be written or restored; the message says why, for people."""


@dataclass(frozen=True)
class Summary:
    """What a backup holds, or what a restore brought back."""

    archive: Path
    database: str  # "sqlite" or "postgresql"
    revision: str | None
    files: int
    file_bytes: int


def add_file(archive: tarfile.TarFile, name: str, path: Path) -> dict:
    """Add the file at ``path`` as ``name``; its manifest entry (size and SHA-256)."""
    with path.open("rb") as handle:
        info = tarfile.TarInfo(name)
        info.size = os.fstat(handle.fileno()).st_size
        info.mtime = int(os.fstat(handle.fileno()).st_mtime)
        info.mode = 0o600
        reader = _Hashing(handle)
        archive.addfile(info, reader)
    return {"size": info.size, "sha256": reader.digest.hexdigest()}


def add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> dict:
    """Add ``data`` as ``name``; its manifest entry (size and SHA-256)."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))
    return {"size": info.size, "sha256": hashlib.sha256(data).hexdigest()}


class _Hashing:
    """A file read through, summing what passes."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size=-1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        return chunk


def read_manifest(archive: tarfile.TarFile) -> dict:
    """The archive's manifest, checked for the shape this version writes."""
    try:
        manifest = json.loads(archive.extractfile(MANIFEST).read())
    except (KeyError, AttributeError, ValueError) as error:
        raise BackupError("This isn't a portal backup: it has no readable manifest.") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("This backup's format is unknown to this version of the portal.")
    members = manifest.get("members")
    well_formed = (
        manifest.get("database") in DATABASE_MEMBERS
        and isinstance(members, dict)
        and DATABASE_MEMBERS[manifest["database"]] in members
        and all(isinstance(entry, dict) and "sha256" in entry for entry in members.values())
        and all(key in manifest for key in ("alembic_revision", "files", "file_bytes"))
    )
    if not well_formed:
        raise BackupError("This backup's manifest is damaged: it can't be restored.")
    return manifest


def verify(archive: tarfile.TarFile, manifest: dict) -> None:
    """Check every member against the manifest, and stored files against their names."""
    members = manifest["members"]
    seen = set()
    for member in archive:
        if member.name == MANIFEST:
            continue
        if member.name not in members or not member.isfile():
            raise BackupError(f"The archive holds {member.name}, which its manifest doesn't list.")
        if member.name.startswith(UPLOADS + "/"):
            upload_path(Path("/"), member.name)  # its name must be one of a stored file
        digest = _sha256(archive.extractfile(member))
        expected = members[member.name]["sha256"]
        match = STORED_NAME.fullmatch(member.name.removeprefix(UPLOADS + "/"))
        if digest != expected or (match and not match.group(3) and digest != match.group(2)):
            raise BackupError(
                f"{member.name} in the archive isn't what was backed up (its SHA-256 differs): "
                "the archive was damaged or changed. Nothing was restored."
            )
        seen.add(member.name)
    missing = sorted(set(members) - seen)
    if missing:
        raise BackupError(
            f"The archive lacks {len(missing)} of the files its manifest lists "
            f"(e.g. {missing[0]}). Nothing was restored."
        )


def extract(archive: tarfile.TarFile, name: str, path: Path, manifest: dict) -> None:
    """Write member ``name`` to ``path``, checking its SHA-256 again as it goes."""
    digest = hashlib.sha256()
    with archive.extractfile(name) as member, path.open("wb") as out:
        while chunk := member.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != manifest["members"][name]["sha256"]:
        raise BackupError(f"{name} changed in the archive while it was being restored.")


def upload_path(root: Path, member: str) -> Path:
    """Where member ``uploads/…`` goes under ``root``; raises BackupError for any other name."""
    relative = member.removeprefix(UPLOADS + "/")
    if not member.startswith(UPLOADS + "/") or not STORED_NAME.fullmatch(relative):
        raise BackupError(f"The archive holds {member}, which isn't a stored file's name.")
    return root / relative


def _sha256(stream) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()
