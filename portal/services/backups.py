"""Backups that hold at any size: the database copied by its own tools, every stored file
streamed, one tar archive with a manifest of SHA-256 digests.

- PostgreSQL: `pg_dump --format=custom` (compressed, restored by `pg_restore`), written to a
  temporary file next to the archive and streamed in. Session rows are left out: a backup
  holds no live secret. Point-in-time recovery is WAL archiving's job (docs/deployment.md).
- SQLite: the online backup API (a consistent copy while the portal runs), sessions deleted
  from the copy with secure_delete on, so nothing of them is left in free pages.
- Files: the default storage (uploads, agreement PDFs, exports) under `media/`, the daily
  chain anchors under `anchors/` (without them a restored database cannot be checked
  against its anchors).

Nothing is read whole into memory: the database dump and each file are copied in chunks of
`CHUNK` bytes while their digest is computed, and the archive is written under a
`.partial` name and renamed when complete. Restoring reads the archive twice: once to check
every digest against the manifest before anything is touched, then to restore."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.storage import Storage, default_storage, storages
from django.db import connection
from django.utils import timezone

from portal.audit_actions import MOVED_MODELS
from portal.models import User

FORMAT = 2
CHUNK = 1 << 20
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
SESSION_TABLE = "django_session"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def walk(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in a storage, depth first, without listing everything at once."""
    try:
        directories, files = storage.listdir(folder)
    except (FileNotFoundError, OSError):  # nothing was ever stored there
        return
    for name in sorted(files):
        yield f"{folder}/{name}".lstrip("/")
    for directory in sorted(directories):
        yield from walk(storage, f"{folder}/{directory}".lstrip("/"))


class _Hashing:
    """A reader that computes the SHA-256 of what passes through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.sha256 = raw, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        return data


def postgres_env(settings_dict: dict) -> dict[str, str]:
    """libpq's environment for pg_dump / pg_restore: the password never on a command line."""
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD"),
                          ("PGDATABASE", "NAME")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    if (settings_dict.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = settings_dict["OPTIONS"]["sslmode"]
    return env


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run(command, capture_output=True, **kwargs)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed on this machine (install the PostgreSQL client tools "
                          "of the server's major version or newer).") from exc
    if result.returncode:
        raise BackupError(f"{command[0]} failed: {result.stderr.decode(errors='replace').strip()}")
    return result


def dump_database(folder: Path) -> tuple[str, Path]:
    """The database as one file in `folder`: (archive member name, path)."""
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    path = folder / DATABASE_MEMBERS[vendor]
    if vendor == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--exclude-table-data={SESSION_TABLE}",
              f"--file={path}"], env=postgres_env(connection.settings_dict))
    else:
        connection.ensure_connection()
        copy = sqlite3.connect(path)
        try:
            connection.connection.backup(copy)
            # secure_delete overwrites the deleted rows' bytes: nothing of them is left in free pages.
            copy.execute("PRAGMA secure_delete = ON")
            copy.execute(f"DELETE FROM {SESSION_TABLE}")
            copy.commit()
        finally:
            copy.close()
    return path.name, path


def write(target: Path, *, files: bool = True) -> dict:
    """Write the archive to `target`; returns its manifest."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digests: dict[str, str] = {}
    counts = {"media": 0, "anchors": 0}

    def add(archive: tarfile.TarFile, name: str, handle: IO[bytes], size: int) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(timezone.now().timestamp()), 0o600
        reader = _Hashing(handle)
        archive.addfile(info, reader)
        digests[name] = reader.sha256.hexdigest()

    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".backup-") as work, \
            tarfile.open(partial, "w", format=tarfile.PAX_FORMAT, copybufsize=CHUNK) as archive:
        member, dump = dump_database(Path(work))
        with dump.open("rb") as handle:
            add(archive, member, handle, dump.stat().st_size)
        dump.unlink()
        sources = [("anchors", storages["anchors"])]
        if files:
            sources.insert(0, ("media", default_storage))
        for prefix, storage in sources:
            for name in walk(storage):
                with storage.open(name, "rb") as handle:
                    add(archive, f"{prefix}/{name}", handle, storage.size(name))
                counts[prefix] += 1
        manifest = {
            "format": FORMAT, "created_at": timezone.now().isoformat(), "vendor": connection.vendor, "database": member,
            "media": counts["media"] if files else None, "anchors": counts["anchors"], "sha256": digests,
        }
        body = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(body), int(timezone.now().timestamp()), 0o600
        archive.addfile(info, io.BytesIO(body))
    partial.replace(target)
    return manifest


def members(archive: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """The archive's files in order, without keeping every header in memory (tarfile's own
    iteration keeps a list of all of them)."""
    while (member := archive.next()) is not None:
        if member.isfile():
            yield member
        archive.members.clear()


def _safe(name: str) -> bool:
    return not name.startswith("/") and ".." not in Path(name).parts


def check(path: Path) -> dict:
    """Read the whole archive and compare every member with the manifest's digest; returns
    the manifest. Raises BackupError on the first thing that does not match."""
    seen: dict[str, str] = {}
    manifest = None
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in members(archive):
                handle = archive.extractfile(member)
                if member.name == MANIFEST:
                    manifest = json.loads(handle.read())  # one line per member: grows with the count, not the bytes
                    continue
                if not _safe(member.name):
                    raise BackupError(f"The archive holds an unsafe name: {member.name}")
                digest = hashlib.sha256()
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                seen[member.name] = digest.hexdigest()
    except (tarfile.TarError, OSError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path} is not a readable backup archive ({exc}).") from exc
    if manifest is None:
        if "database.json" in seen:
            return {"format": 1}
        raise BackupError(f"{path} is not a portal backup (no {MANIFEST}).")
    expected = manifest.get("sha256", {})
    missing = sorted(set(expected) - set(seen))
    extra = sorted(set(seen) - set(expected))
    changed = sorted(name for name in set(expected) & set(seen) if expected[name] != seen[name])
    if missing or extra or changed:
        raise BackupError(f"The archive does not match its manifest: {len(missing)} missing, {len(extra)} unexpected, "
                          f"{len(changed)} altered ({', '.join((missing + extra + changed)[:3])}…).")
    return manifest


def database_is_empty() -> bool:

    if User._meta.db_table not in connection.introspection.table_names():
        return True
    return not User.objects.exists()


def restore(path: Path, *, force: bool = False) -> dict:
    """Check the archive, then restore its database and files. Returns counts."""
    manifest = check(path)
    if manifest["format"] == 1:
        return _restore_json(path, force=force)
    if manifest["vendor"] != connection.vendor:
        raise BackupError(f"This backup is of a {manifest['vendor']} database and this portal uses {connection.vendor}: "
                          "restore it into the same kind of database (move data between them with dumpdata/loaddata).")
    if not database_is_empty() and not force:
        raise BackupError("The database is not empty; restore into a fresh database (or pass --force to replace it).")
    restored = {"media": 0, "anchors": 0}
    with tarfile.open(path, "r:") as archive:
        for member in members(archive):
            handle = archive.extractfile(member)
            if member.name == manifest["database"]:
                _restore_database(handle, manifest)
            elif member.name.startswith("media/"):
                _put(default_storage, member.name.removeprefix("media/"), handle, replace=True)
                restored["media"] += 1
            elif member.name.startswith("anchors/"):
                # An anchor is never overwritten: the one in the anchors storage is the one that counts.
                restored["anchors"] += _put(storages["anchors"], member.name.removeprefix("anchors/"), handle, replace=False)
    return restored


def _put(storage: Storage, name: str, handle: IO[bytes], *, replace: bool) -> int:
    if storage.exists(name):
        if not replace:
            return 0
        storage.delete(name)
    saved = storage.save(name, File(handle, name=name))
    if saved != name:
        raise BackupError(f"The storage saved {name} as {saved}.")
    return 1


def _restore_database(handle: IO[bytes], manifest: dict) -> None:
    if manifest["vendor"] == "postgresql":
        tables = bool(connection.introspection.table_names())
        settings_dict = connection.settings_dict
        connection.close()
        command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                   f"--dbname={settings_dict['NAME']}"]
        if tables:
            command[1:1] = ["--clean", "--if-exists"]
        with tempfile.TemporaryFile() as errors:  # a file, so a chatty pg_restore never blocks on a full pipe
            try:
                process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=errors, env=postgres_env(settings_dict))
            except FileNotFoundError as exc:
                raise BackupError("pg_restore is not installed on this machine.") from exc
            try:
                shutil.copyfileobj(handle, process.stdin, CHUNK)
            except BrokenPipeError:  # pg_restore stopped early; its message says why
                pass
            finally:
                process.stdin.close()
            code = process.wait()
            errors.seek(0)
            message = errors.read(64 * 1024).decode(errors="replace").strip()
        if code:
            raise BackupError(f"pg_restore failed (nothing was restored: it ran in one transaction): {message}")
    else:
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / "database.sqlite3"
            with copy.open("wb") as out:
                shutil.copyfileobj(handle, out, CHUNK)
            source = sqlite3.connect(copy)
            try:
                connection.ensure_connection()
                source.backup(connection.connection)
            finally:
                source.close()


def _rename_moved_models(dump: Path) -> None:
    """Rows of models that moved between apps since the dump was taken carry their old label
    ("reviews.selectionround"): loaddata knows them by the new one (portal/audit_actions.py)."""
    rows = json.loads(dump.read_text())
    for row in rows:
        row["model"] = MOVED_MODELS.get(row.get("model", ""), row.get("model", ""))
    dump.write_text(json.dumps(rows, ensure_ascii=False))


def _restore_json(path: Path, *, force: bool) -> dict:
    """An archive of the first format (Django's JSON, before 2026-12): into a migrated database."""
    from django.core.management import call_command
    from django.db import transaction

    if not database_is_empty() and not force:
        raise BackupError("The database is not empty; restore into a fresh, migrated database (or pass --force).")
    restored = {"media": 0, "anchors": 0}
    with tarfile.open(path, "r:*") as archive, tempfile.TemporaryDirectory() as folder:
        for member in members(archive):
            handle = archive.extractfile(member)
            if member.name == "database.json":
                dump = Path(folder) / "database.json"
                with dump.open("wb") as out:
                    shutil.copyfileobj(handle, out, CHUNK)
                _rename_moved_models(dump)
                with transaction.atomic():
                    call_command("loaddata", str(dump), verbosity=0)
            elif member.name.startswith("media/") and _safe(member.name):
                _put(default_storage, member.name.removeprefix("media/"), handle, replace=True)
                restored["media"] += 1
    return restored
